import Foundation
import Glibc

/// The real `fazt` binary running `dev` on an app folder, on a free port, with its database in a
/// temporary directory; ready once it prints its `serving APP at http://localhost:PORT/` line.
public final class DevProcess: ChildProcess, @unchecked Sendable {
    // Safe: the output texts are guarded by `lock`; the rest is set in `init` before use.
    public let data: TemporaryDirectory
    public private(set) var port = 0
    public let process = Process()
    private let lock = NSCondition()
    private var outText = ""
    private var errText = ""

    /// Starts `fazt dev FOLDER --port 0 --data <temp>/data.db` plus `arguments`; returns once the
    /// URL line is printed (the folder is served), or throws with stderr when it exits first.
    /// `temporaryDatabase`: no `--data`, so `fazt dev` makes (and deletes) its own.
    public init(folder: String, arguments: [String] = [], temporaryDatabase: Bool = false) throws {
        data = try TemporaryDirectory()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        let database = temporaryDatabase ? [] : ["--data", data.path + "/data.db"]
        process.arguments = ["dev", folder, "--port", "0"] + database + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try ServerProcess.launch(process)
        for (handle, isOut) in [(out.fileHandleForReading, true), (err.fileHandleForReading, false)] {
            Thread { [weak self] in
                while true {
                    let chunk = handle.availableData
                    guard !chunk.isEmpty, let self else { return }
                    self.lock.lock()
                    if isOut {
                        self.outText += String(decoding: chunk, as: UTF8.self)
                    } else {
                        self.errText += String(decoding: chunk, as: UTF8.self)
                    }
                    self.lock.broadcast()
                    self.lock.unlock()
                }
            }.start()
        }
        guard waitFor(stdout: "serving ", seconds: 60),
            let range = stdout.range(of: #"http://localhost:[0-9]+/"#, options: .regularExpression)
        else {
            kill9()
            throw TestError("fazt dev did not print its URL line; stdout: \(stdout) stderr: \(stderr)")
        }
        port = Int(stdout[range].dropFirst("http://localhost:".count).dropLast()) ?? 0
    }

    /// The database file.
    public var dataPath: String { data.path + "/data.db" }

    public var stdout: String {
        lock.lock()
        defer { lock.unlock() }
        return outText
    }

    public var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return errText
    }

    /// The owner token printed at start (`--token fzt_…`).
    public var token: String? {
        Self.ownerToken(in: stderr)
    }

    /// Waits (bounded) until stdout, or stderr, contains `text` (at least `occurrences` times);
    /// wakes on each chunk of output.
    @discardableResult
    public func waitFor(
        stdout text: String? = nil,
        stderr errorText: String? = nil,
        occurrences: Int = 1,
        seconds: Double = 20
    ) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        lock.lock()
        defer { lock.unlock() }
        func count(_ needle: String, _ haystack: String) -> Int { haystack.components(separatedBy: needle).count - 1 }
        func found() -> Bool {
            (text.map { count($0, outText) >= occurrences } ?? true)
                && (errorText.map { count($0, errText) >= occurrences } ?? true)
        }
        while !found() {
            guard process.isRunning, lock.wait(until: deadline) else { return found() }
        }
        return true
    }

    /// A request to the app (any Host reaches it).
    public func get(_ path: String, host: String = "localhost") throws -> TestResponse {
        try TestHTTP.request(port: port, "GET", path, host: "\(host):\(port)")
    }

    /// Calls the control API with the printed token.
    public func api(_ method: String, _ path: String, body: [UInt8]? = nil) throws -> TestResponse {
        guard let token else { throw TestError("no token in stderr: \(stderr)") }
        return try TestHTTP.request(
            port: port,
            method,
            "/_fazt/api/v1" + path,
            headers: [("Authorization", "Bearer \(token)")],
            body: body
        )
    }

    deinit { kill9() }
}
