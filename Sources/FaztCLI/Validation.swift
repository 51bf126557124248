import ArgumentParser
import FaztScheduler

/// Checks of option values shared by the client commands, made before anything is sent (the
/// server checks the same rules and answers 400).
enum Validation {
    /// `--limit`: a whole number from 1 to `maximum`.
    static func limit(_ value: Int, maximum: Int = 1000) throws {
        guard (1...maximum).contains(value) else {
            throw ValidationError("--limit must be from 1 to \(maximum) (got \(value))")
        }
    }

    /// `--kind` of `fazt runs`: one of the run kinds (`timer` is accepted for `job`).
    static func runKind(_ text: String) throws -> String {
        guard let kind = RunLog.kind(named: text) else {
            throw ValidationError("--kind must be \(RunLog.kindList) (got '\(text)')")
        }
        return kind
    }

    /// `--status` of `fazt jobs`.
    static func jobStatus(_ text: String) throws {
        guard ["pending", "running", "dead"].contains(text) else {
            throw ValidationError("--status must be pending, running or dead (got '\(text)')")
        }
    }
}
