import Foundation

/// Runs the real `git` (the oracle of the git codec and server tests) with a clean configuration.
public enum GitCLI {
    /// What one `git` run printed and how it exited.
    public struct Result: Sendable {
        public var status: Int32
        public var output: [UInt8]
        public var errors: String

        public var text: String { String(decoding: output, as: UTF8.self) }
    }

    /// Runs `git arguments…` in `directory`; never throws for a non-zero exit (see `check`).
    public static func run(
        _ arguments: [String],
        in directory: String? = nil,
        input: [UInt8]? = nil,
        environment extra: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["HOME"] = NSTemporaryDirectory()
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_AUTHOR_NAME"] = "Test"
        environment["GIT_AUTHOR_EMAIL"] = "test@example.com"
        environment["GIT_COMMITTER_NAME"] = "Test"
        environment["GIT_COMMITTER_EMAIL"] = "test@example.com"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        // Read stderr on another thread so neither pipe fills while the other is drained.
        let errorData = ErrorCollector()
        let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        if let input {
            let handle = stdin.fileHandleForWriting
            Thread {
                handle.write(Data(input))
                try? handle.close()
            }.start()
        } else {
            try stdin.fileHandleForWriting.close()
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let err = errorData.wait()
        return Result(
            status: process.terminationStatus,
            output: Array(out),
            errors: String(decoding: err, as: UTF8.self)
        )
    }

    /// Runs `git arguments…` and throws with its stderr when it exits non-zero.
    @discardableResult
    public static func check(
        _ arguments: [String],
        in directory: String? = nil,
        input: [UInt8]? = nil,
        environment: [String: String] = [:]
    ) throws -> Result {
        let result = try run(arguments, in: directory, input: input, environment: environment)
        guard result.status == 0 else {
            throw TestError("git \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.errors)")
        }
        return result
    }
}

/// Hands stderr bytes from the reading thread to the waiting one.
private final class ErrorCollector: @unchecked Sendable {
    // Safe: `data` is written once under `condition` and read after the signal.
    private let condition = NSCondition()
    private var data: Data?

    func set(_ value: Data) {
        condition.lock()
        data = value
        condition.signal()
        condition.unlock()
    }

    func wait() -> Data {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data ?? Data()
    }
}
