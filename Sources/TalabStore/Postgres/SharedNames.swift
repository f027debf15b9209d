/// The NOTIFY channels that writers and `talab serve` must agree on, across modules and processes.
public enum NotifyChannel {
    /// `talab apply` committed a catalog change: servers reload their snapshot.
    public static let catalog = "talab_catalog"
    /// A tool stored webhook bodies: workers claim them.
    public static let webhookInbox = "talab_webhook_inbox"
    /// Replies were queued outside a worker (an order's status changed): the sender wakes.
    public static let outbound = "talab_outbound"
    /// An order was placed or changed status (migration 0022's trigger): open boards hear of it.
    public static let orders = "talab_orders"
}

/// The advisory-lock keys of the processes that must take turns, one registry so no two collide.
public enum AdvisoryLock {
    /// Migrations, one run at a time.
    public static let migrations = 7_150_421_337
    /// Applies of the tenant configuration, one at a time.
    public static let reconcile = 7_150_421_338
}
