public import Hummingbird
public import TalabWhatsApp

/// The context of every request `talab serve` answers: Hummingbird's core, and what middleware
/// found out on the way (the webhook's verified body). A part of the application that needs more
/// (the dashboard's signed-in account) adds a protocol and a field here, without touching the others.
public struct AppRequestContext: WebhookRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var verifiedWebhookBody: [UInt8]?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
    }
}
