public import Foundation
public import TalabStore
import Testing

/// The cases every `LogStore` backend must pass, the same for each: idempotence, reading by id,
/// paging, ranges and bad input. A backend's suite calls `runAll(on:)` (or each case) with its store.
public enum LogStoreConformance {
    /// Whether two JSON texts are the same JSON (a backend may reorder keys or spaces).
    public static func sameJSON(_ a: String, _ b: String) -> Bool {
        guard let left = try? JSONSerialization.jsonObject(with: Data(a.utf8)) as? NSDictionary,
            let right = try? JSONSerialization.jsonObject(with: Data(b.utf8)) as? NSDictionary
        else { return false }
        return left.isEqual(right)
    }

    static func same(_ a: LogDocument?, _ b: LogDocument?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.id == b.id && a.business == b.business && a.at == b.at && sameJSON(a.body, b.body)
    }

    static let start = Date(timeIntervalSince1970: 1_796_000_000.123456)

    static func document(_ business: UUID, _ minute: Int, body: String? = nil, id: UUID = UUID()) -> LogDocument {
        LogDocument(
            id: id,
            business: business,
            at: start.addingTimeInterval(Double(minute) * 60),
            body: body ?? #"{"minute":\#(minute),"text":"شاورما بلا توم","n":[1,2.5,null,true]}"#
        )
    }

    public static func runAll(on store: any LogStore) async throws {
        try await appendingAnIDAgainWritesNothing(store)
        try await documentsAreReadBackByIDInTheirCollectionOnly(store)
        try await queriesPageNewestFirstWithoutGapsOrRepeats(store)
        try await rangesAreHalfOpen(store)
        try await badInputIsRefusedAndNothingOfTheBatchIsWritten(store)
    }

    public static func appendingAnIDAgainWritesNothing(_ store: any LogStore) async throws {
        let business = UUID()
        let documents = (0..<3).map { document(business, $0) }
        let first = try await store.append(documents, to: .orderLogs)
        #expect(Set(first.appended) == Set(documents.map(\.id)) && first.alreadyThere.isEmpty)
        // The same ids again, one with another body, one new, and one twice in the batch.
        let changed = document(business, 0, body: #"{"changed":true}"#, id: documents[0].id)
        let new = document(business, 9)
        let again = try await store.append([changed, documents[1], new, new], to: .orderLogs)
        #expect(again.appended == [new.id])
        #expect(Set(again.alreadyThere) == [documents[0].id, documents[1].id, new.id] && again.alreadyThere.count == 3)
        // The first body stands.
        #expect(same(try await store.document(documents[0].id, in: .orderLogs), documents[0]))
        let all = try await store.all(LogQuery(business: business), in: .orderLogs)
        #expect(all.count == 4)
        #expect(try await store.append([], to: .orderLogs) == AppendResult())
    }

    public static func documentsAreReadBackByIDInTheirCollectionOnly(_ store: any LogStore) async throws {
        let business = UUID()
        let message = document(business, 1, body: #"{"direction":"inbound","text":"baddi 2 shawarma \"bala\" toum\n"}"#)
        _ = try await store.append([message], to: .messageLogs)
        #expect(same(try await store.document(message.id, in: .messageLogs), message))
        #expect(try await store.document(message.id, in: .auditLogs) == nil)
        #expect(try await store.document(UUID(), in: .messageLogs) == nil)
        #expect(try await store.all(LogQuery(business: business), in: .orderLogs).isEmpty)
    }

    public static func queriesPageNewestFirstWithoutGapsOrRepeats(_ store: any LogStore) async throws {
        let business = UUID()
        let other = UUID()
        // 25 at distinct minutes, 5 sharing one time (ordered by id), and another business's.
        var documents = (0..<25).map { document(business, $0 * 7) }
        documents += (0..<5).map { _ in document(business, 50) }
        _ = try await store.append(documents.shuffled(), to: .auditLogs)
        _ = try await store.append((0..<4).map { document(other, $0) }, to: .auditLogs)
        let expected = documents.sorted {
            ($0.at, $0.id.uuidString.lowercased()) > ($1.at, $1.id.uuidString.lowercased())
        }
        var seen: [LogDocument] = []
        var query = LogQuery(business: business, limit: 7)
        var pages = 0
        while true {
            let page = try await store.query(query, in: .auditLogs)
            #expect(page.documents.count <= 7)
            seen += page.documents
            pages += 1
            guard let next = page.next else { break }
            query.after = next
            guard pages < 10 else { break }
        }
        #expect(pages == 5 && seen.map(\.id) == expected.map(\.id), "\(pages) pages")
        #expect(zip(seen, expected).allSatisfy { same($0, $1) })
        // A page that ends exactly at the end says there is no more.
        let exact = try await store.query(LogQuery(business: business, limit: 30), in: .auditLogs)
        #expect(exact.documents.count == 30 && exact.next == nil)
        // A cursor is opaque text that round-trips.
        let first = try await store.query(LogQuery(business: business, limit: 1), in: .auditLogs)
        let cursor = try #require(first.next)
        #expect(LogCursor(rawValue: cursor.rawValue) == cursor)
    }

    public static func rangesAreHalfOpen(_ store: any LogStore) async throws {
        let business = UUID()
        let documents = (0..<10).map { document(business, $0) }
        _ = try await store.append(documents, to: .orderLogs)
        let from = documents[2].at
        let until = documents[6].at
        let inside = try await store.all(
            LogQuery(business: business, from: from, until: until, limit: 3),
            in: .orderLogs
        )
        #expect(inside.map(\.id) == documents[2..<6].reversed().map(\.id))
        let since = try await store.all(LogQuery(business: business, from: documents[8].at), in: .orderLogs)
        #expect(since.map(\.id) == [documents[9].id, documents[8].id])
        let before = try await store.all(LogQuery(business: business, until: documents[1].at), in: .orderLogs)
        #expect(before.map(\.id) == [documents[0].id])
        #expect(try await store.all(LogQuery(business: business, from: until, until: until), in: .orderLogs).isEmpty)
    }

    public static func badInputIsRefusedAndNothingOfTheBatchIsWritten(_ store: any LogStore) async throws {
        let business = UUID()
        let good = document(business, 1)
        for body in ["[1,2]", "not json", "\"text\"", "{\"a\":", String(repeating: "x", count: 10)] {
            let error = await #expect(throws: LogStoreError.self) {
                try await store.append([good, document(business, 2, body: body)], to: .orderLogs)
            }
            #expect(error?.code == .invalidDocument)
        }
        let large = "{\"text\":\"" + String(repeating: "ش", count: LogDocument.maxBodyBytes / 2) + "\"}"
        let tooLarge = await #expect(throws: LogStoreError.self) {
            try await store.append([document(business, 3, body: large)], to: .orderLogs)
        }
        #expect(tooLarge?.code == .invalidDocument)
        #expect(try await store.document(good.id, in: .orderLogs) == nil)
        for query in [
            LogQuery(business: business, limit: 0), LogQuery(business: business, limit: LogQuery.maxLimit + 1),
            LogQuery(business: business, from: good.at, until: good.at.addingTimeInterval(-1)),
        ] {
            let error = await #expect(throws: LogStoreError.self) { try await store.query(query, in: .orderLogs) }
            #expect(error?.code == .invalidQuery)
        }
        for text in ["", "x", "djE6MTox", String(repeating: "A", count: 200), "v1:12:not-a-uuid"] {
            #expect(LogCursor(rawValue: text) == nil)
        }
    }
}
