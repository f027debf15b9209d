import Foundation
import TalabBench
import TalabStore
import TalabTestSupport
import Testing

/// The benchmark itself works end to end; its figures are read by people, never asserted here.
@Suite struct BenchmarkTests {
    @Test func theDatabaseBenchmarkMeasuresPgbenchAndOurPool() async throws {
        let server = try await TestCluster.shared.serverURL()
        let benchmark = DatabaseBenchmark(seconds: 1, connections: 2, scale: 1)
        let report = try await benchmark.run(server: server, binaries: try PostgresBinaries.locate()) { _ in }
        let names = [
            DatabaseBenchmark.Names.pgbenchSelect, DatabaseBenchmark.Names.pgbenchSelectPrepared,
            DatabaseBenchmark.Names.poolSelect, DatabaseBenchmark.Names.pgbenchInsert,
            DatabaseBenchmark.Names.poolInsert, DatabaseBenchmark.Names.pgbenchTransaction,
            DatabaseBenchmark.Names.poolTransaction, DatabaseBenchmark.Names.poolPipelined,
        ]
        #expect(report.figures.map(\.name) == names)
        for figure in report.figures {
            #expect(figure.operations > 0, "\(figure.name) ran nothing")
            #expect(figure.seconds > 0.5 && figure.seconds < 10, "\(figure.name) ran \(figure.seconds) s")
        }
        #expect(report.selectRatio != nil)
        let inserted = try await PostgresPool(url: server.database("talab_bench"), maxConnections: 1)
            .query(PostgresStatement("test.bench_events", "SELECT count(*)::int AS n FROM bench_events"))
        let expected =
            try #require(report.figure(DatabaseBenchmark.Names.poolInsert)).operations
            + (try #require(report.figure(DatabaseBenchmark.Names.pgbenchInsert))).operations
        // Warm-up inserts (one per connection) come on top of the measured ones.
        #expect(try inserted[0].decode(Int.self, "n") >= expected)
        // Each TPC-B-like transaction, pgbench's and both of ours, wrote its history row: the queued
        // writes of the pipelined one were committed, not dropped.
        let history = try await PostgresPool(url: server.database("talab_bench"), maxConnections: 1)
            .query(PostgresStatement("test.bench_history", "SELECT count(*)::int AS n FROM pgbench_history"))
        let transactions = try [
            DatabaseBenchmark.Names.pgbenchTransaction, DatabaseBenchmark.Names.poolTransaction,
            DatabaseBenchmark.Names.poolPipelined,
        ].map { try #require(report.figure($0)).operations }.reduce(0, +)
        #expect(try history[0].decode(Int.self, "n") >= transactions)
    }
}

@Suite struct ConfigBenchmarkTests {
    @Test func theConfigBenchmarkValidatesAGeneratedRepositoryAndFindsTheChangedTenant() throws {
        let report = try ConfigBenchmark(tenants: 4, items: 3, repetitions: 1).run { _ in }
        #expect(report.files == 12)
        #expect(report.diagnostics == 0)
        #expect(report.summary == "4 tenants, 4 branches, 4 menus, 12 items: 0 errors, 0 warnings")
        #expect(report.changedTenants == ["tenant-0002"])
        #expect(report.validateSeconds.count == 1 && report.libyamlSeconds.count == 1)
        #expect(report.peakMemoryBytes > 0)
    }
}

@Suite struct ReconcileBenchmarkTests {
    @Test func theReconcileBenchmarkAppliesPlansAndReappliesOneChange() async throws {
        let report = try await ReconcileBenchmark(tenants: 3, items: 4).run(
            server: try await TestCluster.shared.serverURL(),
            migrations: try TestCluster.migrations()
        ) { _ in }
        #expect(report.changes > 3 * 4)
        #expect(report.changedByOneCommit == 1)
        #expect(report.firstApply > 0 && report.noOpPlan > 0 && report.fullNoOpPlan > 0)
    }
}
