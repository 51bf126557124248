import FaztTestSupport
import Foundation

/// A running `fazt serve` and work trees driven by the real git over smart HTTP.
struct GitFixture {
    let server: ServerProcess
    let token: String
    let directory: TemporaryDirectory

    init(arguments: [String] = []) throws {
        server = try ServerProcess(arguments: arguments)
        token = try server.token()
        directory = try TemporaryDirectory()
    }

    /// The remote URL of `app` with the token as the Basic-auth password.
    func url(_ app: String) -> String { "http://owner:\(token)@127.0.0.1:\(server.port)/_fazt/git/\(app).git" }

    /// A fresh work tree `name` on branch main.
    func workTree(_ name: String) throws -> String {
        let path = directory.path + "/" + name
        try GitCLI.check(["init", "--quiet", "-b", "main", path])
        return path
    }

    /// Writes `files` (path → text) into `tree` and commits them.
    func commit(_ tree: String, _ files: [String: String], message: String = "change") throws {
        for (path, text) in files {
            let full = tree + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        try GitCLI.check(["add", "-A"], in: tree)
        try GitCLI.check(["commit", "--quiet", "-m", message], in: tree)
    }

    /// Runs git in `tree` (nil: the fixture's folder); never throws for a failing exit.
    @discardableResult
    func git(_ arguments: [String], in tree: String? = nil) throws -> GitCLI.Result {
        try GitCLI.run(arguments, in: tree ?? directory.path)
    }

    /// The text `app` serves at `path` right now.
    func served(_ app: String, _ path: String = "/") throws -> String {
        try server.app(app, path).text
    }
}
