import Foundation
import Logging
import TalabApp
import TalabStore
import Testing

/// `talab serve`'s flags merged over its environment, without a process or a database.
@Suite struct ServeConfigurationTests {
    static let url = try! DatabaseURL("postgres://talab@127.0.0.1:5432/talab")
    static let secrets = ["TALAB_WHATSAPP_APP_SECRET": "app-secret", "TALAB_WHATSAPP_VERIFY_TOKEN": "verify"]

    static func configuration(
        _ flags: ServeConfiguration.Flags = .init(),
        _ environment: [String: String] = [:]
    ) throws -> ServeConfiguration {
        try ServeConfiguration(
            flags: flags,
            environment: secrets.merging(environment) { $1 },
            databaseURL: url
        )
    }

    @Test func nothingSetGivesTheDocumentedDefaults() throws {
        let configuration = try ServeConfigurationTests.configuration()
        let settings = configuration.settings
        #expect(settings.host == "127.0.0.1" && settings.port == 8080)
        #expect(settings.appSecret == "app-secret" && settings.verifyToken == "verify")
        #expect(settings.poolSize == 8 && settings.inboxWorkers == 2 && settings.inboxBatch == 32)
        #expect(settings.conversationIdle == 2 * 60 * 60 && settings.bodyBudget == 64 << 20)
        #expect(settings.connections.headerTimeout == .seconds(10) && settings.connections.idleTimeout == .seconds(60))
        #expect(settings.graph.baseURL == "https://graph.facebook.com" && settings.graph.version == "v23.0")
        #expect(configuration.logLevel == .info && configuration.handler == .engine && configuration.drainSeconds == 8)
        #expect(settings.archiveEvery == .seconds(300) && settings.archiveAfter == 24 * 3600)
        #expect(settings.rollupEvery == .seconds(3600) && settings.messageLogDays == nil)
    }

    @Test func aFlagWinsOverItsVariableAndAnEmptyVariableIsUnset() throws {
        var flags = ServeConfiguration.Flags()
        flags.port = 9000
        flags.bodyBudgetMB = 2
        let configuration = try ServeConfigurationTests.configuration(
            flags,
            [
                "TALAB_PORT": "7000", "TALAB_HOST": "", "TALAB_POOL_SIZE": "3", "TALAB_BODY_BUDGET_MB": "lots",
                "TALAB_CART_IDLE_MINUTES": "30", "TALAB_LOG_LEVEL": "debug", "TALAB_HANDLER": "acknowledge",
                "TALAB_INBOX_WORKERS": "0", "TALAB_DRAIN_SECONDS": "2.5", "TALAB_GRAPH_URL": "http://127.0.0.1:9090",
                "TALAB_ARCHIVE_EVERY_MINUTES": "0", "TALAB_ARCHIVE_AFTER_HOURS": "48", "TALAB_MESSAGE_LOG_DAYS": "90",
            ]
        )
        let settings = configuration.settings
        #expect(settings.port == 9000 && settings.host == "127.0.0.1" && settings.poolSize == 3)
        // The flag is taken; the variable's nonsense is never read.
        #expect(settings.bodyBudget == 2 << 20)
        #expect(settings.conversationIdle == 30 * 60 && settings.inboxWorkers == 0)
        #expect(settings.graph.baseURL == "http://127.0.0.1:9090")
        #expect(configuration.logLevel == .debug && configuration.handler == .acknowledge)
        #expect(configuration.drainSeconds == 2.5)
        #expect(settings.archiveEvery == nil && settings.archiveAfter == 48 * 3600 && settings.messageLogDays == 90)
    }

    @Test(
        arguments: [
            ("TALAB_PORT", "70000", "TALAB_PORT is not a port number"),
            ("TALAB_POOL_SIZE", "0", "TALAB_POOL_SIZE is not a positive number"),
            ("TALAB_INBOX_WORKERS", "-1", "TALAB_INBOX_WORKERS is not a number of workers (0 or more)"),
            ("TALAB_INBOX_BATCH", "many", "TALAB_INBOX_BATCH is not a positive number"),
            ("TALAB_CART_IDLE_MINUTES", "0", "TALAB_CART_IDLE_MINUTES is not a positive number of minutes"),
            ("TALAB_SEND_RATE", "-80", "TALAB_SEND_RATE is not a positive number"),
            ("TALAB_MAX_CONNECTIONS", "0", "TALAB_MAX_CONNECTIONS is not a positive number"),
            ("TALAB_HEADER_TIMEOUT", "soon", "TALAB_HEADER_TIMEOUT is not a positive number"),
            ("TALAB_DRAIN_SECONDS", "0", "TALAB_DRAIN_SECONDS is not a positive number of seconds"),
            (
                "TALAB_LOG_LEVEL", "loud",
                "log level 'loud' is not one of trace, debug, info, notice, warning, error, critical"
            ),
            ("TALAB_HANDLER", "llm", "handler 'llm' is not engine or acknowledge"),
            ("TALAB_ARCHIVE_EVERY_MINUTES", "-5", "TALAB_ARCHIVE_EVERY_MINUTES is not a number of minutes (0: never)"),
            ("TALAB_ARCHIVE_AFTER_HOURS", "0", "TALAB_ARCHIVE_AFTER_HOURS is not a positive number of hours"),
            ("TALAB_ROLLUP_EVERY_MINUTES", "often", "TALAB_ROLLUP_EVERY_MINUTES is not a number of minutes (0: never)"),
            ("TALAB_LOG_STORE", "mongo", "TALAB_LOG_STORE is postgres or dynamodb, not 'mongo'"),
            (
                "TALAB_MESSAGE_LOG_DAYS", "0",
                "TALAB_MESSAGE_LOG_DAYS is a number of days (1 or more), or unset to keep them"
            ),
            (
                "TALAB_WHATSAPP_APP_SECRET", "",
                "TALAB_WHATSAPP_APP_SECRET is not set: talab serve reads it from the environment only"
            ),
        ]
    )
    func aValueThatCannotBeUsedIsRefusedByItsName(variable: String, value: String, message: String) throws {
        let error = #expect(throws: ServeConfiguration.Invalid.self) {
            try ServeConfigurationTests.configuration(.init(), [variable: value])
        }
        #expect(error?.description == message)
    }

    /// The language model: from the environment only, refused by the variable's name, its key
    /// never in what the settings print.
    @Test func aLanguageModelIsConfiguredByTheEnvironmentAndItsKeyNeverPrinted() throws {
        #expect(try ServeConfigurationTests.configuration().settings.languageModel == nil)
        let key = "sk-live-0123456789abcdef"
        let configured = try ServeConfigurationTests.configuration(
            .init(),
            [
                "TALAB_LLM_URL": "http://127.0.0.1:11434/v1", "TALAB_LLM_MODEL": "qwen2.5:7b-instruct",
                "TALAB_LLM_API_KEY": key, "TALAB_LLM_TIMEOUT_MS": "2500",
            ]
        ).settings.languageModel
        let model = try #require(configured)
        #expect(model.timeout == .milliseconds(2500) && model.concurrency == 8)
        #expect(model.description == "qwen2.5:7b-instruct at http://127.0.0.1:11434/v1/chat/completions")
        #expect(!"\(model)".contains(key) && !String(reflecting: model).contains(key))
        for (environment, message) in [
            (["TALAB_LLM_URL": "ftp://models"], "TALAB_LLM_URL must start with http:// or https://"),
            (["TALAB_LLM_URL": "http://x"], "TALAB_LLM_MODEL must name the model when TALAB_LLM_URL is set"),
            (
                ["TALAB_LLM_URL": "http://x", "TALAB_LLM_MODEL": "m", "TALAB_LLM_TIMEOUT_MS": "0"],
                "TALAB_LLM_TIMEOUT_MS must be a whole number in 100...60000"
            ),
        ] {
            let error = #expect(throws: ServeConfiguration.Invalid.self) {
                try ServeConfigurationTests.configuration(.init(), environment)
            }
            #expect(error?.description == message)
        }
    }
}
