import Foundation

/// DNS-01 answers published by the owner's hook command (`--dns-hook PATH`), run as
/// `PATH set _acme-challenge.<name> <value>` and `PATH clear _acme-challenge.<name> <value>`.
///
/// The hook must exit 0 once the TXT record is published (its output goes to the server's log on
/// failure); it runs with no stdin and at most 120 s.
struct DNSHookSolver: ChallengeSolver {
    let path: String

    var type: String { "dns-01" }

    /// The TXT value of a key authorization: base64url(SHA-256(keyAuthorization)).
    static func value(_ keyAuthorization: String) -> String {
        Base64URL.encode(SHA256Digest.of(Array(keyAuthorization.utf8)))
    }

    func present(name: String, token: String, keyAuthorization: String) throws {
        try run("set", "_acme-challenge.\(name)", Self.value(keyAuthorization))
    }

    func cleanUp(name: String, token: String, keyAuthorization: String) {
        try? run("clear", "_acme-challenge.\(name)", Self.value(keyAuthorization))
    }

    private func run(_ action: String, _ record: String, _ value: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [action, record, value]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw TLSError(.configuration, "cannot run --dns-hook \(path): \(error)")
        }
        let deadline = DispatchTime.now() + .seconds(120)
        DispatchQueue.global().asyncAfter(deadline: deadline) { if process.isRunning { process.terminate() } }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TLSError(
                .acme,
                "--dns-hook \(path) \(action) \(record) exited with \(process.terminationStatus): \(text.suffix(300))"
            )
        }
    }
}
