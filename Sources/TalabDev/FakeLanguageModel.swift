import Foundation
public import Hummingbird
import NIOCore
import Synchronization
public import TalabWhatsApp

/// A local stand-in for an OpenAI-compatible Chat Completions endpoint, speaking its wire format
/// (tool calls, `stream: false`, usage counts): for tests and `talab bench conversation --llm-url`.
/// It answers with the scripts it is given, in order, then with `otherwise`; it records what it
/// receives.
public final class FakeLanguageModel: Sendable {
    /// One request as received.
    public struct Received: Sendable {
        public let authorization: String?
        public let body: JSONValue

        /// The user message's text: the context and the customer's message as JSON.
        public var userContent: String? {
            guard case .array(let messages)? = body["messages"] else { return nil }
            return messages.last { $0["role"]?.string == "user" }?["content"]?.string
        }
    }

    /// How to answer one request.
    public enum Script: Sendable {
        /// Tool calls: a name and its arguments as JSON text (what a model sends, malformed or not).
        case tools([(name: String, arguments: String)], tokensIn: Int = 420, tokensOut: Int = 24)
        /// A text answer without tool calls (what the engine must never send on).
        case text(String)
        /// An HTTP error with OpenAI's error envelope.
        case status(Int)
        /// A body that is not JSON.
        case malformed
        /// The same answer, after a pause.
        indirect case after(Duration, Script)
    }

    private struct State {
        var received: [Received] = []
        var scripts: [Script] = []
    }
    private let state = Mutex(State())
    /// The answer when no script is left.
    let otherwise: @Sendable (Received) -> Script

    public init(otherwise: @escaping @Sendable (Received) -> Script = { _ in .tools([]) }) {
        self.otherwise = otherwise
    }

    public var received: [Received] { state.withLock { $0.received } }

    /// The next requests are answered like this, in order.
    public func script(_ scripts: Script...) {
        state.withLock { $0.scripts += scripts }
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let answer: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let bytes = try await request.body.collect(upTo: 4 << 20)
            let body = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))) ?? .null
            let received = Received(authorization: request.headers[.authorization], body: body)
            let script = self.state.withLock { state -> Script? in
                state.received.append(received)
                return state.scripts.isEmpty ? nil : state.scripts.removeFirst()
            }
            return try await FakeLanguageModel.respond(script ?? self.otherwise(received), model: body["model"])
        }
        router.post("/v1/chat/completions", use: answer)
        router.post("/chat/completions", use: answer)
        return router
    }

    static func respond(_ script: Script, model: JSONValue?) async throws -> Response {
        switch script {
        case .after(let pause, let then):
            try await Task.sleep(for: pause)
            return try await respond(then, model: model)
        case .status(let code):
            return FakeGraphAPI.json(
                HTTPResponse.Status(code: code),
                ["error": ["message": "scripted failure", "type": "server_error", "code": .null]]
            )
        case .malformed:
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"choices\": [{\"message\": "))
            )
        case .text(let text):
            return completion(["role": "assistant", "content": .string(text)], model: model, tokens: (300, 40))
        case .tools(let calls, let tokensIn, let tokensOut):
            let toolCalls: [JSONValue] = calls.enumerated().map { index, call in
                [
                    "id": .string("call_\(index)"), "type": "function",
                    "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
                ]
            }
            return completion(
                ["role": "assistant", "content": .null, "tool_calls": .array(toolCalls)],
                model: model,
                tokens: (tokensIn, tokensOut)
            )
        }
    }

    static func completion(_ message: JSONValue, model: JSONValue?, tokens: (Int, Int)) -> Response {
        FakeGraphAPI.json(
            .ok,
            [
                "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_764_000_000,
                "model": model ?? "fake",
                "choices": [["index": 0, "message": message, "finish_reason": "tool_calls"]],
                "usage": [
                    "prompt_tokens": .number(Double(tokens.0)), "completion_tokens": .number(Double(tokens.1)),
                    "total_tokens": .number(Double(tokens.0 + tokens.1)),
                ],
            ]
        )
    }
}
