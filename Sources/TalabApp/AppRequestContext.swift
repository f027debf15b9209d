public import Hummingbird
public import TalabDashboard
public import TalabWhatsApp

/// The context of every request `talab serve` answers: Hummingbird's core, and what middleware
/// found out on the way (the webhook's verified body, the dashboard's signed-in account). A part of
/// the application that needs more adds a protocol and a field here, without touching the others.
public struct AppRequestContext: WebhookRequestContext, DashboardRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var verifiedWebhookBody: [UInt8]?
    public var signedIn: SignedIn?
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}
