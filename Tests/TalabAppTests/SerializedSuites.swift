import Testing

/// Suites that run one after another: each starts external load (a browser, schemathesis) or
/// measures deadlines, and on two cores they would starve each other.
@Suite(.serialized) enum SerializedSuites {}
