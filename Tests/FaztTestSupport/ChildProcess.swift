import Foundation
import Glibc

/// A `fazt` process a test started (`ServerProcess`, `DevProcess`): stopping it, and the owner
/// token it printed.
public protocol ChildProcess: AnyObject {
    var process: Process { get }
}

extension ChildProcess {
    public var isRunning: Bool { process.isRunning }

    /// Sends SIGINT (Ctrl-C) and waits; returns the exit status.
    @discardableResult
    public func interrupt() -> Int32 {
        if process.isRunning {
            process.interrupt()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// Kills it with SIGKILL (no cleanup at all).
    public func kill9() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The first owner token (`fzt_…`) in `text`.
    static func ownerToken(in text: String) -> String? {
        guard let range = text.range(of: #"fzt_[0-9a-f]{48,}"#, options: .regularExpression) else { return nil }
        return String(text[range])
    }
}
