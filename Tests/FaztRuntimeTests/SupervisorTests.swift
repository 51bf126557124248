import FaztRuntime
import FaztTestSupport
import Foundation
import Logging
import Testing

@Suite struct SupervisorTests {
    /// A stand-in worker executable (a shell script) that ignores the protocol.
    func fakeWorker(_ body: String, in directory: TemporaryDirectory) throws -> String {
        let path = directory.path + "/fake-worker"
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    func invoke(_ supervisor: Supervisor) async -> InvocationResult {
        await supervisor.invoke(app: "a", version: 1, file: "api/main.js", requestJSON: "{}", timeoutMs: 20_000)
    }

    /// A worker that speaks garbage is killed at once, and one that dies is a crash: either way the
    /// answer comes long before the 20 s deadline, as `crash`.
    @Test(arguments: ["printf 'this is not a frame at all'; exec sleep 30", "exit 3"])
    func treatsMisbehavingWorkersAsCrashes(_ script: String) async throws {
        let directory = try TemporaryDirectory()
        let executable = try fakeWorker(script, in: directory)
        let supervisor = Supervisor(
            configuration: RuntimeConfiguration(executable: executable, dataPath: directory.path + "/none.db"),
            logger: Logger(label: "test")
        )
        defer { supervisor.shutdown() }
        guard case .failure(let failure) = await invoke(supervisor) else {
            Issue.record("a misbehaving worker produced a response")
            return
        }
        #expect(failure.kind == .crash)
    }
}

@Suite struct SupervisorLaunchTests {
    /// A worker that cannot start answers `unavailable` and gives its slot back: with one slot,
    /// every later invocation still gets a fresh try (and the same clear answer), none waits forever.
    @Test func aWorkerThatCannotStartGivesItsSlotBack() async throws {
        let directory = try TemporaryDirectory()
        var configuration = RuntimeConfiguration(
            executable: directory.path + "/no-such-executable",
            dataPath: directory.path + "/none.db"
        )
        configuration.maxWorkers = 1
        let supervisor = Supervisor(configuration: configuration, logger: Logger(label: "test"))
        defer { supervisor.shutdown() }
        for _ in 0..<3 {
            let result = await supervisor.invoke(
                app: "a",
                version: 1,
                file: "api/main.js",
                requestJSON: "{}",
                timeoutMs: 1000
            )
            guard case .failure(let failure) = result else {
                Issue.record("no worker can start, yet a response came")
                return
            }
            #expect(failure.kind == .unavailable)
        }
        #expect(supervisor.workerCount == 0)
    }
}
