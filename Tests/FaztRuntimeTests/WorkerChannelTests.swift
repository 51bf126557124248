import FaztTestSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import FaztRuntime

/// The daemon's side of a worker's pipes never blocks the event loop that owns them.
@Suite struct WorkerChannelTests {
    /// A worker (a shell script) that says hello, answers its first request with 200, and then
    /// never reads again: anything sent to it after that stays in the pipe.
    private func stuckWorker(in directory: TemporaryDirectory) throws -> String {
        func frame(_ frame: WorkerFrame) throws -> [UInt8] {
            let payload = try FrameCodec.encode(frame)
            let count = UInt32(payload.count)
            return [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
                + payload
        }
        let hello = try frame(.hello(.init(protocolVersion: WorkerProtocol.version)))
        let result = try frame(.result(.init(id: 1, outcome: .response(status: 200, headers: [], body: []))))
        try Data(hello).write(to: URL(fileURLWithPath: directory.path + "/hello.bin"))
        try Data(result).write(to: URL(fileURLWithPath: directory.path + "/result.bin"))
        let path = directory.path + "/stuck-worker"
        let script = """
            #!/bin/sh
            cat '\(directory.path)/hello.bin'
            head -c 1 >/dev/null
            cat '\(directory.path)/result.bin'
            exec sleep 30
            """
        try (script + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    /// A 5 MB request handed to a worker that reads nothing (a busy one) from the event loop that
    /// owns its pipe: the call returns at once and the loop keeps serving other work (a static
    /// request on the same loop would be answered), while the bytes wait in the channel. Before
    /// the pipes were NIO channels, the frame was written with a blocking `write(2)` on the
    /// caller's thread, which here never returns (the time limit fails the test).
    @Test(.timeLimit(.minutes(1)))
    func aLargeRequestToABusyWorkerDoesNotBlockTheLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let directory = try TemporaryDirectory()
        var configuration = RuntimeConfiguration(
            executable: try stuckWorker(in: directory),
            dataPath: directory.path + "/none.db"
        )
        configuration.eventLoopGroup = group
        configuration.maxWorkers = 1
        let supervisor = Supervisor(configuration: configuration, logger: Logger(label: "test"))
        do {
            try await sendLargeRequest(supervisor, loop: group.next())
        } catch {
            Issue.record(error)
        }
        supervisor.shutdown()
        try await group.shutdownGracefully()
    }

    private func sendLargeRequest(_ supervisor: Supervisor, loop: any EventLoop) async throws {

        // The first request starts the worker (on the loop's group) and gets its 200.
        let first = await supervisor.invoke(app: "a", version: 1, file: "api/main.js", requestJSON: "{}")
        guard case .response(let response) = first else {
            Issue.record("the first request failed: \(first)")
            return
        }
        #expect(response.status == 200)

        // From the loop itself: the idle worker is taken at once and the 5 MB frame is sent.
        let body = String(repeating: "x", count: 5 << 20)
        let answered = Answered()
        let elapsed = try await loop.submit {
            let started = ContinuousClock.now
            supervisor.invoke(app: "a", version: 1, file: "api/main.js", requestJSON: body, timeoutMs: 60_000) {
                _ in answered.mark()
            }
            return ContinuousClock.now - started
        }.get()
        // Bounds far above a turn of a free loop (microseconds) and far below what a loop blocked on
        // the write would take (until the worker reads, up to 60 s): a full parallel test run on 2
        // cores has measured single turns of 1.5–2.2 s.
        #expect(elapsed < .seconds(10))
        // The loop keeps turning while the frame waits for the worker to read.
        for _ in 0..<20 {
            let started = ContinuousClock.now
            try await loop.submit {}.get()
            #expect(ContinuousClock.now - started < .seconds(10))
        }
        #expect(!answered.value)
    }
}

private final class Answered: @unchecked Sendable {
    // Safe: `flag` is only touched under `lock`.
    private let lock = NSLock()
    private var flag = false

    func mark() { lock.withLock { flag = true } }
    var value: Bool { lock.withLock { flag } }
}
