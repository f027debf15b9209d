import Foundation
import Hummingbird
import NIOCore
import TalabHTTP

extension Request {
    /// The body read as JSON of `type` (at most `limit` bytes: a 413 beyond), or a 400 `bad_request`
    /// that says what to send (`help`). Times are ISO 8601.
    func json<Value: Decodable>(_ type: Value.Type, upTo limit: Int, help: String) async throws -> Value {
        let body = try await self.body.collect(upTo: limit)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let value = try? decoder.decode(type, from: Data(buffer: body)) else {
            throw APIError(.badRequest, code: .badRequest, message: help)
        }
        return value
    }
}
