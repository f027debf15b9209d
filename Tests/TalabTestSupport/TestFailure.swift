/// A test's own failure, with what it saw: for a `#require` that needs more than a nil check.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
