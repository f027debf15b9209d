import Foundation
import TalabConfig
import TalabCore
import TalabReconciler
import TalabStore
import TalabTestSupport
import Testing

@Suite struct LockTests {
    @Test func anApplyThatCannotGetTheLockSaysWhoHoldsIt() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let url = try await TestCluster.shared.migratedDatabase()
        let pool = PostgresPool(url: url, maxConnections: 2)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        let holder = try await PostgresConnection.connect(url)
        try await holder.executeScript(
            "BEGIN; SET LOCAL application_name = 'talab apply 1234abcd by Rima'; SELECT pg_advisory_xact_lock(7150421338)",
            name: "test.hold"
        )
        let error = await #expect(throws: ReconcileError.self) {
            try await ReconcilerTests.reconciler(pool).apply(tenants, commit: commit, lockTimeout: .milliseconds(300))
        }
        #expect(error?.code == .lockTimeout)
        #expect(
            error?.message.hasPrefix("another apply holds the lock (talab apply 1234abcd by Rima since 20") == true,
            "\(error?.message ?? "")"
        )
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items") == 0)

        try await holder.executeScript("COMMIT", name: "test.release")
        let outcome = try await ReconcilerTests.reconciler(pool).apply(
            tenants,
            commit: commit,
            lockTimeout: .seconds(60)
        )
        #expect(outcome.plan.count(.create) > 0)
    }
}

/// Runs the real `talab` binary and kills it in the middle of an apply.
@Suite struct CrashTests {
    static var binary: URL {
        ExampleCatalog.projectFolder
            .appendingPathComponent(".build/debug/talab")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build talab first (swift build)"))
    func anApplyKilledMidwayLeavesTheDatabaseAsItWas() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let url = try await TestCluster.shared.migratedDatabase()
        let pool = PostgresPool(url: url, maxConnections: 2)
        // Freeze the apply inside its transaction: it writes the catalog, then waits for the audit table.
        let blocker = try await PostgresConnection.connect(url)
        try await blocker.executeScript(
            "BEGIN; LOCK TABLE audit.audit_logs IN ACCESS EXCLUSIVE MODE",
            name: "test.block"
        )

        var environment = ProcessInfo.processInfo.environment
        environment["TALAB_MASTER_KEY"] = Data(repeating: 9, count: 32).base64EncodedString()
        environment["TALAB_OBJECTS_DIR"] = ReconcilerTests.objectsFolder.path
        for (name, value) in ReconcilerTests.secrets.values { environment[name] = value }
        let pid = try Subprocess.spawn(
            CrashTests.binary.path,
            ["apply", "--repo", repository.path, "--database-url", url.unredacted],
            environment: environment
        )

        let waiting = PostgresStatement(
            "test.waiting",
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%audit.audit_logs%'"
        )
        var blocked = false
        for _ in 0..<300 where !blocked {
            blocked = try await pool.query(waiting)[0].decode(Int.self, "n") == 1
            if !blocked { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(blocked, "the apply never reached the audit table")
        kill(pid, SIGKILL)
        Subprocess.wait(pid)
        try await blocker.executeScript("COMMIT", name: "test.unblock")

        // The server rolls back the dead session's transaction: nothing of it is visible.
        var gone = false
        for _ in 0..<100 where !gone {
            gone = try await pool.query(waiting)[0].decode(Int.self, "n") == 0
            if !gone { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM users") == 0)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items") == 0)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM audit.audit_logs") == 0)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM tenant_reconcile_state") == 0)
    }
}
