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

    /// Memory caps count what a worker owns: touched heap counts, pages of a mapped file (like
    /// the executable's code, shared with the daemon) do not.
    @Test func ownMemoryCountsTheHeapAndNotMappedFiles() throws {
        let size = 32 << 20
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fazt-memory-\(getpid())").path
        defer { unlink(path) }
        try Data(repeating: 7, count: size).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let mapped = try #require(mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0))
        defer { munmap(mapped, size) }

        let before = (ProcessMemory.residentBytes(), ProcessMemory.ownResidentBytes())
        #expect(before.1 > 0 && before.1 < before.0)
        var sum = 0
        let bytes = mapped.assumingMemoryBound(to: UInt8.self)
        for offset in stride(from: 0, to: size, by: 4096) { sum &+= Int(bytes[offset]) }
        #expect(sum == 7 * size / 4096)
        let afterFile = (ProcessMemory.residentBytes(), ProcessMemory.ownResidentBytes())
        #expect(afterFile.0 - before.0 > size / 2, "reading the file made its pages resident")
        #expect(afterFile.1 - before.1 < size / 8, "but they are not this process's own")

        let heap = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        defer { heap.deallocate() }
        for offset in stride(from: 0, to: size, by: 4096) { heap[offset] = 1 }
        #expect(ProcessMemory.ownResidentBytes() - afterFile.1 > size / 2, "touched heap is")
    }
}
