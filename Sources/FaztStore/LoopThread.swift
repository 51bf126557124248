import Glibc

/// The thread a service loop runs on, so that `stop()` called from that very thread (a callback
/// dropped the last reference) asks the loop to finish instead of waiting for itself forever.
struct LoopThread {
    private var thread: pthread_t?

    /// Records the calling thread as the loop's (call first thing in the loop, under its lock).
    mutating func enter() { thread = pthread_self() }

    /// True on the loop's own thread.
    var isCurrent: Bool { thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
}
