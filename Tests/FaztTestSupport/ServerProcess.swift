import FaztRuntime
import Foundation
import Glibc

/// The real `fazt` binary running `serve` on a free port with its own temporary data directory.
public final class ServerProcess: ChildProcess, @unchecked Sendable {
    // Safe: `stderrText` is guarded by `lock`; the rest is set in `start` before use.
    public let directory: TemporaryDirectory
    public private(set) var port = 0
    /// The `--metrics-listen` listener's port (from the ready line), when there is one.
    public private(set) var metricsPort: Int?
    /// The HTTPS listener's port (from the ready line), with `--https` or `--tls-cert`.
    public private(set) var httpsPort: Int?
    public let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let lock = NSCondition()
    private var stderrText = ""

    /// The path of the built `fazt` executable (beside the test bundle, or `FAZT_BINARY`).
    public static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["FAZT_BINARY"] { return path }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        // On Linux the runner is `<build>/debug/faztPackageTests.xctest`; the binary sits beside it.
        while !folder.path.isEmpty && folder.path != "/" {
            let candidate = folder.appendingPathComponent("fazt").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return ".build/debug/fazt"
    }

    /// The database file path.
    public var dataPath: String { directory.path + "/data.db" }

    /// Starts a server; `reuse` starts on an existing directory (for restart tests).
    /// `environment` adds variables to the server's (test hooks).
    public init(arguments: [String] = [], reuse: TemporaryDirectory? = nil, environment: [String: String] = [:]) throws
    {
        directory = try reuse ?? TemporaryDirectory()
        try start(arguments: arguments, environment: environment)
    }

    private func start(arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.arguments = ["serve", "--port", "0", "--host", "127.0.0.1", "--data", dataPath] + arguments
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
        try ServerProcess.launch(process)
        let errors = stderrPipe.fileHandleForReading
        let thread = Thread { [weak self] in
            while true {
                let data = errors.availableData
                if data.isEmpty { return }
                guard let self else { return }
                self.lock.lock()
                self.stderrText += String(decoding: data, as: UTF8.self)
                self.lock.broadcast()
                self.lock.unlock()
            }
        }
        thread.start()
        // The ready line is the readiness signal: read stdout until it arrives.
        let (json, line) = try Self.firstLine(of: stdoutPipe, exited: "fazt exited before listening: \(stderr)")
        guard json["event"] as? String == "listening", let port = json["port"] as? Int
        else { throw TestError("unexpected ready line: \(line)") }
        self.port = port
        self.metricsPort = json["metricsPort"] as? Int
        self.httpsPort = json["httpsPort"] as? Int
    }

    /// Everything the server wrote to stderr so far.
    public var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return stderrText
    }

    /// The owner token printed on first start (already printed when the ready line arrives).
    public var firstToken: String? {
        Self.ownerToken(in: stderr)
    }

    /// Waits (bounded) until stderr contains `text` at least `occurrences` times; the reader thread
    /// signals each new chunk, so this wakes on output rather than polling.
    @discardableResult
    public func waitForStderr(_ text: String, occurrences: Int = 1, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        lock.lock()
        defer { lock.unlock() }
        func found() -> Bool { stderrText.components(separatedBy: text).count - 1 >= occurrences }
        while !found() {
            if !lock.wait(until: deadline) { return found() }
        }
        return true
    }

    /// The server's process id.
    public var pid: Int32 { process.processIdentifier }

    /// Process ids of the server's live child processes (its JavaScript workers).
    public var childProcesses: [Int32] {
        // Children are listed under the thread that started them, so read every thread's list.
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task -> [Int32] in
            let path = "/proc/\(pid)/task/\(task)/children"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
            return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// The first line a child writes to `pipe`, parsed as a JSON object (an empty object when it is
    /// not one), and the text read; `exited` is the error when the child closes it first.
    public static func firstLine(
        of pipe: Pipe,
        exited: @autoclosure () -> String
    ) throws -> (json: [String: Any], line: String) {
        var line = ""
        let output = pipe.fileHandleForReading
        while !line.contains("\n") {
            let data = output.availableData
            if data.isEmpty { throw TestError(exited()) }
            line += String(decoding: data, as: UTF8.self)
        }
        let first = Data(line.split(separator: "\n", omittingEmptySubsequences: false)[0].utf8)
        return ((try? JSONSerialization.jsonObject(with: first)) as? [String: Any] ?? [:], line)
    }

    /// Sends SIGTERM and waits; returns the exit status.
    @discardableResult
    public func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    deinit { kill9() }
}

/// A directory removed when the value is deinitialised.
public final class TemporaryDirectory: @unchecked Sendable {
    // Safe: immutable after init.
    public let path: String

    public init() throws {
        var template = Array((NSTemporaryDirectory() + "/fazt-test-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let pointer = made else {
            throw TestError("mkdtemp failed")
        }
        path = String(cString: pointer)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

extension ServerProcess {

    /// Starts `process`, one launch at a time: Foundation's `Process.run` on Linux is not safe
    /// against launches racing on other threads (seen as EBADF in `synchronizeFile`).
    public static func launch(_ process: Process) throws {
        try ProcessLauncher.run(process)
    }

    /// Runs a test script to its end with no stdin and returns its exit status and its stdout and
    /// stderr together (the scripts print one `PASS`/`FAIL` line per check).
    public static func runScript(
        _ executable: String,
        _ arguments: [String],
        in directory: URL
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try launch(process)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
