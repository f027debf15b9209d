public import Hummingbird

/// A request context that carries a webhook body once its signature was checked. The webhook's
/// handler reads the body from here only, so a route without `WebhookSignatureMiddleware` in front
/// stores nothing: it fails closed.
public protocol WebhookRequestContext: RequestContext {
    /// The body `WebhookSignatureMiddleware` read whole and found signed by the app secret.
    var verifiedWebhookBody: [UInt8]? { get set }
}
