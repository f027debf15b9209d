import Foundation

public struct ReconcileError: Error, Sendable, CustomStringConvertible {
    /// A stable code, for programs: its text (`destructive_plan`) is what messages and JSON carry.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let value: String
        public var description: String { value }
        public static let destructivePlan = Code(value: "destructive_plan")
        public static let invalidPlan = Code(value: "invalid_plan")
        public static let lockTimeout = Code(value: "lock_timeout")
        public static let missingMasterKey = Code(value: "missing_master_key")
        public static let missingObjectStore = Code(value: "missing_object_store")
        public static let missingSecret = Code(value: "missing_secret")
        public static let stalePlan = Code(value: "stale_plan")
        /// New rows the bulk foreign-key check could not find as the apply's own (a defect, not bad input).
        public static let uncheckedRows = Code(value: "unchecked_rows")
    }

    public let code: Code
    public let message: String

    public var description: String { message }
}
