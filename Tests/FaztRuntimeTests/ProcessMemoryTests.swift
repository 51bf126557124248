import Foundation
import Glibc
import Testing

@testable import FaztRuntime

@Suite struct ProcessMemoryTests {
    /// The check before a worker is signalled: a live child is ours; after it is reaped its pid is
    /// not (it may belong to anyone by then); this process is nobody's child of itself.
    @Test func knowsItsOwnLiveChildren() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try ProcessLauncher.run(child)
        let pid = child.processIdentifier
        #expect(ProcessMemory.isOwnChild(pid))
        #expect(!ProcessMemory.isOwnChild(getpid()))
        kill(pid, SIGKILL)
        child.waitUntilExit()
        #expect(!ProcessMemory.isOwnChild(pid))
    }
}
