import Foundation

/// A thread that runs `Supervisor.patrol` every 25 ms while workers exist, and sleeps otherwise.
final class Watchdog: @unchecked Sendable {
    // Safe: `running` is guarded by `condition`.
    private let condition = NSCondition()
    private var running = false

    /// Makes sure the patrol thread runs.
    func wake(_ supervisor: Supervisor) {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true
        let thread = Thread { [weak supervisor, self] in
            while true {
                usleep(25_000)
                let keepGoing = supervisor?.patrol() ?? false
                self.condition.lock()
                if !keepGoing {
                    self.running = false
                    self.condition.unlock()
                    return
                }
                self.condition.unlock()
            }
        }
        thread.name = "fazt-watchdog"
        thread.start()
    }
}
