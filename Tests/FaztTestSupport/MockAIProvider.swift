import Foundation
import Glibc

/// `scripts/mock-ai-provider.py` (the OpenAI, Anthropic and Gemini HTTP APIs, byte-exact), started on
/// a free port and killed when released. The request's model name picks the scenario (`echo`,
/// `tools`, `utf8`, `rate-limit`, `tokens-N-R`, …): see docs/testing-ai.md.
public final class MockAIProvider: @unchecked Sendable {
    // Safe: `stderrText` is guarded by `lock`; the rest is set in `init` before use.

    /// The vendor whose base URL a client is given.
    public enum Kind: Sendable {
        case openAI, anthropic, gemini, ollama
    }

    /// The repository root, three levels above this file.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let scriptPath = root.appendingPathComponent("scripts/mock-ai-provider.py").path

    public private(set) var port = 0
    /// The key requests must carry the vendor's way, or nil when any request passes.
    public let key: String?
    private let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let lock = NSLock()
    private var stderrText = ""

    /// Starts the mock; with `key`, requests without it get the vendor's 401.
    public init(key: String? = nil) throws {
        self.key = key
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scriptPath, "--port", "0"] + (key.map { ["--key", $0] } ?? [])
        process.currentDirectoryURL = Self.root
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
        try ServerProcess.launch(process)
        // One line per request goes to stderr: drain it so the mock never blocks on a full pipe.
        let errors = stderrPipe.fileHandleForReading
        let thread = Thread { [weak self] in
            while true {
                let data = errors.availableData
                if data.isEmpty { return }
                guard let self else { return }
                self.lock.lock()
                self.stderrText += String(decoding: data, as: UTF8.self)
                self.lock.unlock()
            }
        }
        thread.start()
        // The {"port": N} line is the readiness signal.
        let (json, line) = try ServerProcess.firstLine(
            of: stdoutPipe,
            exited: "the AI mock exited before listening: \(stderr)"
        )
        guard let port = json["port"] as? Int else { throw TestError("unexpected ready line: \(line)") }
        self.port = port
    }

    deinit { stop() }

    /// The base URL a Fazt provider of `kind` is configured with (`fazt ai provider add
    /// --base-url`): `…/v1` for OpenAI and Ollama (`/chat/completions` is appended), the bare
    /// origin for Anthropic (`/v1/messages`) and Gemini (`/v1beta/models/{m}:generateContent`).
    public func baseURL(for kind: Kind) -> String {
        let origin = "http://127.0.0.1:\(port)"
        switch kind {
        case .openAI, .ollama: return origin + "/v1"
        case .anthropic: return origin
        case .gemini: return origin
        }
    }

    /// The requests received since start or `reset()`: method, path, api, model, scenario, attempt,
    /// stream, include_usage, headers (key values redacted), key_present, key_matched, body, status.
    public func requests() throws -> [[String: Any]] {
        let response = try TestHTTP.request(port: port, "GET", "/_mock/requests")
        guard response.status == 200,
            let list = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]]
        else { throw TestError("unexpected /_mock/requests answer: \(response.status) \(response.text)") }
        return list
    }

    /// Connections accepted since start, and those open that have not sent a request yet.
    public func connections() throws -> (opened: Int, idle: Int) {
        let response = try TestHTTP.request(port: port, "GET", "/_mock/health")
        guard response.status == 200,
            let health = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else { throw TestError("unexpected /_mock/health answer: \(response.status) \(response.text)") }
        return (health["connections_opened"] as? Int ?? 0, health["idle_connections"] as? Int ?? 0)
    }

    /// Clears the request log and the per-scenario attempt counters.
    public func reset() throws {
        let response = try TestHTTP.request(port: port, "POST", "/_mock/reset", body: [])
        guard response.status == 200 else { throw TestError("reset failed: \(response.status)") }
    }

    /// Everything the mock wrote to stderr so far (one line per request; never the key).
    public var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return stderrText
    }

    /// Kills the mock and waits (SIGKILL: a signal mask inherited from a test thread cannot hold it).
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
