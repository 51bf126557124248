import Foundation

/// Starts child processes one at a time.
///
/// Foundation's `Process.run` on Linux is not safe against launches racing on other threads (file
/// actions of one launch leak into another, seen as EBADF or a child wired to another child's
/// pipes). Everything in the process that launches children (workers here; servers and tools in
/// the tests) goes through this one lock.
public enum ProcessLauncher {
    private static let lock = NSLock()

    public static func run(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
