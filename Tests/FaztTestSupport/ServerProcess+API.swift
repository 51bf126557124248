import Foundation

extension ServerProcess {
    /// The first owner token, or a test failure.
    public func token() throws -> String {
        // The token is written to stderr just before the ready line; the reader may lag a moment.
        waitForStderr("#token=fzt_")
        guard let token = firstToken else { throw TestError("no owner token in stderr: \(stderr)") }
        return token
    }

    /// Calls the control API with the owner token.
    public func api(
        _ method: String,
        _ path: String,
        token: String? = nil,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil
    ) throws -> TestResponse {
        let bearer = try token ?? self.token()
        return try TestHTTP.request(
            port: port,
            method,
            "/_fazt/api/v1" + path,
            headers: [("Authorization", "Bearer \(bearer)")] + headers,
            body: body
        )
    }

    /// Deploys archive bytes to `app`.
    public func deploy(
        _ app: String,
        _ archive: [UInt8],
        contentType: String = "application/zip"
    ) throws -> TestResponse {
        try api("POST", "/apps/\(app)/deploy", headers: [("Content-Type", contentType)], body: archive)
    }

    /// GETs (or HEADs) a path of an app through its subdomain.
    public func app(
        _ app: String,
        _ path: String,
        method: String = "GET",
        headers: [(String, String)] = []
    ) throws -> TestResponse {
        try TestHTTP.request(port: port, method, path, host: "\(app).localhost:\(port)", headers: headers)
    }

    /// Runs the `fazt` binary with `arguments` (a client command) and returns (status, stdout, stderr);
    /// `input` is written to its stdin.
    public static func runCLI(
        _ arguments: [String],
        environment: [String: String] = [:],
        input: String? = nil
    ) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaryPath)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "FAZT_SERVER")
        env.removeValue(forKey: "FAZT_TOKEN")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try launch(process)
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }
}
