import ArgumentParser
import Foundation

/// Prints an error the way every talab command does (`talab: error: …` on stderr) and exits 1.
///
/// The errors of our libraries are written never to hold a secret, so printing them is safe.
func reportingFailure<Result>(_ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandle.standardError.write(Data("talab: error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
