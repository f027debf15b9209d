public import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import Synchronization
public import TalabCore
import TalabMetrics

/// Where the language model is and how long it may take (issue #19): any OpenAI-compatible Chat
/// Completions endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp's server). From the
/// environment only; the key is never printed, logged or stored.
public struct LanguageModelSettings: Sendable, CustomStringConvertible {
    /// The endpoint: a base (`http://localhost:11434/v1`) to which `/chat/completions` is added, or
    /// the full path.
    public var url: String
    public var model: String
    var apiKey: String?
    /// The whole call, retries included: past it the customer gets the engine's own answer.
    public var timeout: Duration
    /// Calls in flight at once; a message finding none free is answered by the engine alone.
    public var concurrency: Int
    /// Tries for a 429 or a 5xx, within the timeout.
    public var attempts: Int
    /// Failures in a row that open the circuit, and how long it stays open.
    public var breakerThreshold: Int
    public var breakerCooldown: Duration
    /// Tokens a business may spend a day (UTC); past them, the engine answers alone.
    public var dailyTokensPerBusiness: Int

    public init(
        url: String,
        model: String,
        apiKey: String? = nil,
        timeout: Duration = .seconds(4),
        concurrency: Int = 8,
        attempts: Int = 3,
        breakerThreshold: Int = 5,
        breakerCooldown: Duration = .seconds(30),
        dailyTokensPerBusiness: Int = 200_000
    ) {
        self.url = url
        self.model = model
        self.apiKey = apiKey
        self.timeout = timeout
        self.concurrency = concurrency
        self.attempts = attempts
        self.breakerThreshold = breakerThreshold
        self.breakerCooldown = breakerCooldown
        self.dailyTokensPerBusiness = dailyTokensPerBusiness
    }

    /// `TALAB_LLM_URL`, `TALAB_LLM_MODEL`, `TALAB_LLM_API_KEY`, and optionally `TALAB_LLM_TIMEOUT_MS`,
    /// `TALAB_LLM_CONCURRENCY`, `TALAB_LLM_DAILY_TOKENS`. Nil without a URL; an error names the
    /// variable that is wrong, never a value.
    public static func fromEnvironment(
        _ environment: [String: String]
    ) throws(SettingsError) -> LanguageModelSettings? {
        guard let url = environment["TALAB_LLM_URL"], !url.isEmpty else { return nil }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw SettingsError(variable: "TALAB_LLM_URL", reason: "must start with http:// or https://")
        }
        guard let model = environment["TALAB_LLM_MODEL"], !model.isEmpty else {
            throw SettingsError(variable: "TALAB_LLM_MODEL", reason: "must name the model when TALAB_LLM_URL is set")
        }
        func number(_ name: String, _ range: ClosedRange<Int>) throws(SettingsError) -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw SettingsError(variable: name, reason: "must be a whole number in \(range)")
            }
            return value
        }
        var settings = LanguageModelSettings(url: url, model: model, apiKey: environment["TALAB_LLM_API_KEY"])
        if let value = try number("TALAB_LLM_TIMEOUT_MS", 100...60_000) { settings.timeout = .milliseconds(value) }
        if let value = try number("TALAB_LLM_CONCURRENCY", 1...256) { settings.concurrency = value }
        if let value = try number("TALAB_LLM_DAILY_TOKENS", 0...1_000_000_000) {
            settings.dailyTokensPerBusiness = value
        }
        return settings
    }

    public struct SettingsError: Error, CustomStringConvertible {
        public let variable: String
        public let reason: String
        public var description: String { "\(variable) \(reason)" }
    }

    /// The endpoint and model, never the key.
    public var description: String { "\(model) at \(endpoint)" }

    var endpoint: String {
        let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
        return trimmed.hasSuffix("/chat/completions") ? trimmed : trimmed + "/chat/completions"
    }
}

/// What asking the model came to.
public enum ModelOutcome: Sendable, Equatable {
    /// The model's proposal (possibly no action), with its tokens.
    case proposed([ModelAction], Usage)
    /// Nothing usable: why (a stable code for logs: `timeout`, `http_500`, `malformed_response`,
    /// `circuit_open`, `busy`, `network`), after how long.
    case failed(code: String, milliseconds: Int)

    public struct Usage: Sendable, Equatable {
        public let tokensIn: Int?
        public let tokensOut: Int?
        public let milliseconds: Int
    }
}

/// One OpenAI-compatible Chat Completions endpoint over AsyncHTTPClient, with tool calling: the
/// engine's grounded context and the customer's text (as data, never as instructions) go in, the
/// model's tool calls come back as `ModelAction`s for the engine to check. A timeout over the whole
/// call, retries on 429 and 5xx within it, a bound on calls in flight, and a circuit breaker: when
/// the model is slow, down or talks nonsense, callers get `.failed` at once or within the timeout.
public final class LanguageModelClient: Sendable {
    public let settings: LanguageModelSettings
    let http: HTTPClient
    let logger: Logger
    private let state = Mutex(State())

    struct State {
        var inFlight = 0
        var failuresInARow = 0
        var openUntil: ContinuousClock.Instant?
    }

    public init(settings: LanguageModelSettings, http: HTTPClient = .shared, logger: Logger) {
        self.settings = settings
        self.http = http
        self.logger = logger
    }

    /// Asks the model what to do with `text` in `context`. Never throws: every failure is an outcome.
    public func propose(_ text: String, context: ModelContext) async -> ModelOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        func elapsed() -> Int { Int((clock.now - start) / .milliseconds(1)) }
        // The circuit and the bound on calls in flight, decided at once.
        let refusal: String? = state.withLock { state in
            if let until = state.openUntil, clock.now < until { return "circuit_open" }
            guard state.inFlight < settings.concurrency else { return "busy" }
            state.inFlight += 1
            return nil
        }
        if let refusal {
            TalabMetrics.modelCall(refusal, milliseconds: 0)
            logger.debug("language model not asked", metadata: ["code": "\(refusal)"])
            return .failed(code: refusal, milliseconds: 0)
        }
        let deadline = start + settings.timeout
        let outcome: ModelOutcome
        do {
            outcome = try await withThrowingTaskGroup(of: ModelOutcome.self) { group in
                group.addTask { await self.attempts(text, context: context, until: deadline, start: start) }
                group.addTask {
                    try await Task.sleep(until: deadline, clock: clock)
                    return .failed(code: "timeout", milliseconds: Int((clock.now - start) / .milliseconds(1)))
                }
                let first = try await group.next() ?? .failed(code: "timeout", milliseconds: elapsed())
                group.cancelAll()
                return first
            }
        } catch {
            outcome = .failed(code: "cancelled", milliseconds: elapsed())
        }
        let opened = state.withLock { state -> Bool in
            state.inFlight -= 1
            if case .failed = outcome {
                state.failuresInARow += 1
                if state.failuresInARow >= settings.breakerThreshold {
                    let wasClosed = state.openUntil.map { clock.now >= $0 } ?? true
                    state.openUntil = clock.now + settings.breakerCooldown
                    return wasClosed
                }
            } else {
                state.failuresInARow = 0
                state.openUntil = nil
            }
            return false
        }
        if opened {
            logger.warning(
                "language model circuit open: the engine answers alone for a while",
                metadata: [
                    "code": "circuit_open", "failures_in_a_row": "\(settings.breakerThreshold)",
                    "cooldown": "\(settings.breakerCooldown)",
                ]
            )
        }
        switch outcome {
        case .proposed(_, let usage): TalabMetrics.modelCall("proposed", milliseconds: usage.milliseconds)
        case .failed(let code, let milliseconds): TalabMetrics.modelCall(code, milliseconds: milliseconds)
        }
        if case .failed(let code, let milliseconds) = outcome {
            // The code only: never the customer's text, the prompt or the key.
            logger.warning(
                "language model gave nothing usable",
                metadata: ["code": "\(code)", "ms": "\(milliseconds)", "model": "\(settings.model)"]
            )
        }
        return outcome
    }

    private func attempts(
        _ text: String,
        context: ModelContext,
        until deadline: ContinuousClock.Instant,
        start: ContinuousClock.Instant
    ) async -> ModelOutcome {
        let clock = ContinuousClock()
        let body = LanguageModelPrompt.requestBody(text, context: context, model: settings.model)
        var attempt = 0
        while true {
            attempt += 1
            let result = await once(body, until: deadline)
            let milliseconds = Int((clock.now - start) / .milliseconds(1))
            switch result {
            case .success(let (actions, tokensIn, tokensOut)):
                return .proposed(
                    actions,
                    .init(tokensIn: tokensIn, tokensOut: tokensOut, milliseconds: milliseconds)
                )
            case .failure(let failure):
                let delay = Duration.milliseconds(100 * (1 << (attempt - 1)))
                guard failure.retryable, attempt < settings.attempts, clock.now + delay < deadline else {
                    return .failed(code: failure.code, milliseconds: milliseconds)
                }
                try? await Task.sleep(for: delay * Double.random(in: 0.5...1.0))
            }
        }
    }

    struct Failure: Error {
        let code: String
        let retryable: Bool
    }

    private func once(
        _ body: [UInt8],
        until deadline: ContinuousClock.Instant
    ) async -> Result<([ModelAction], Int?, Int?), Failure> {
        var request = HTTPClientRequest(url: settings.endpoint)
        request.method = .POST
        if let key = settings.apiKey, !key.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            // Azure OpenAI reads its key from this header.
            request.headers.add(name: "api-key", value: key)
        }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let remaining = deadline - ContinuousClock().now
        guard remaining > .zero else { return .failure(Failure(code: "timeout", retryable: false)) }
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(remaining.nanoseconds)))
            status = Int(response.status.code)
            bytes = Array((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
        } catch {
            return .failure(Failure(code: Task.isCancelled ? "timeout" : "network", retryable: true))
        }
        guard (200..<300).contains(status) else {
            return .failure(Failure(code: "http_\(status)", retryable: status == 429 || status >= 500))
        }
        guard let reply = LanguageModelPrompt.read(bytes) else {
            return .failure(Failure(code: "malformed_response", retryable: false))
        }
        return .success(reply)
    }
}
