import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// `fazt dev`: a folder served from disk, reloaded on save without new versions.
@Suite struct DevCommandTests {
    static func write(_ text: String, _ path: String, in folder: TemporaryDirectory) throws {
        let url = URL(fileURLWithPath: folder.path + "/" + path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(),
            withIntermediateDirectories: true
        )
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    static func versions(_ dev: DevProcess, _ app: String) throws -> Int {
        let answer = try dev.api("GET", "/apps/\(app)/versions")
        return (answer.json["versions"] as? [[String: Any]])?.count ?? -1
    }

    @Test func anEditIsServedAtTheNextRequestWithoutANewVersion() throws {
        let folder = try TemporaryDirectory()
        try Self.write(#"module.exports = () => ({ answer: "one" });"#, "api/hello.js", in: folder)
        try Self.write("<h1>first</h1>", "index.html", in: folder)
        let dev = try DevProcess(folder: folder.path, arguments: ["--app", "devapp"])
        #expect(dev.stdout.contains("serving devapp at http://localhost:\(dev.port)/"))

        let first = try dev.get("/api/hello")
        #expect(first.status == 200 && first.json["answer"] as? String == "one", "\(first.text)")
        // One line per request on stdout: method, path, status, duration.
        #expect(dev.waitFor(stdout: "GET /api/hello 200 "))
        let logged = dev.stdout.split(separator: "\n").first { $0.hasPrefix("GET /api/hello 200 ") }
        #expect(logged?.range(of: #"^GET /api/hello 200 [0-9]+\.[0-9] ms$"#, options: .regularExpression) != nil)
        // Every host reaches the one app.
        #expect(try dev.get("/", host: "anything.example").text == "<h1>first</h1>")

        // Saved: the very next request runs the new code, and the version is the same one.
        try Self.write(
            #"module.exports = () => { console.log("hello from the handler"); return { answer: "second answer" }; };"#,
            "api/hello.js",
            in: folder
        )
        let second = try dev.get("/api/hello")
        #expect(second.json["answer"] as? String == "second answer", "\(second.text)")
        // Console output shows in the terminal.
        #expect(dev.waitFor(stderr: "[info] hello from the handler"), "\(dev.stderr)")
        try Self.write("<h1>second page</h1>", "index.html", in: folder)
        #expect(try dev.get("/").text == "<h1>second page</h1>")
        // New files: a handler and a static page.
        try Self.write(#"module.exports = () => "added";"#, "api/added.js", in: folder)
        try Self.write("about", "about.html", in: folder)
        #expect(try dev.get("/api/added").text == "added")
        #expect(try dev.get("/about.html").text == "about")
        // A removed file is gone.
        try FileManager.default.removeItem(atPath: folder.path + "/about.html")
        #expect(try dev.get("/about.html").status == 404)
        #expect(try Self.versions(dev, "devapp") == 1)

        // An edit with no request after it is picked up by the watcher too (bounded wait).
        let reloads = dev.stderr.components(separatedBy: "reloaded api/hello.js").count - 1
        try Self.write(#"module.exports = () => ({ answer: "watched" });"#, "api/hello.js", in: folder)
        #expect(dev.waitFor(stderr: "reloaded api/hello.js", occurrences: reloads + 1), "\(dev.stderr)")
        #expect(try dev.get("/api/hello").json["answer"] as? String == "watched")
        #expect(try Self.versions(dev, "devapp") == 1)

        // A syntax error keeps the last good files serving and says where.
        try Self.write("module.exports = () => {", "api/hello.js", in: folder)
        #expect(try dev.get("/api/hello").json["answer"] as? String == "watched")
        #expect(dev.waitFor(stderr: "error: api/hello.js"), "\(dev.stderr)")
        try Self.write(#"module.exports = () => ({ answer: "fixed" });"#, "api/hello.js", in: folder)
        #expect(try dev.get("/api/hello").json["answer"] as? String == "fixed")

        // `fazt deploy` ships the same folder, unchanged, to a real server.
        dev.kill9()
        let names = try FileManager.default.subpathsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["api", "api/added.js", "api/hello.js", "index.html"])
        let server = try ServerProcess()
        let deployed = try ServerProcess.runCLI(
            [
                "deploy", folder.path, "--app", "devapp", "--server", "http://127.0.0.1:\(server.port)", "--token",
                try server.token(),
            ]
        )
        #expect(deployed.0 == 0, "\(deployed.2)")
        #expect(try server.app("devapp", "/api/hello").json["answer"] as? String == "fixed")
        #expect(try server.app("devapp", "/").text == "<h1>second page</h1>")
    }

    @Test func aHandlerErrorShowsACodeFrame() throws {
        let folder = try TemporaryDirectory()
        let source = """
            module.exports = () => {
              const x = 1;
              throw new Error("boom " + x);
            };
            """
        try Self.write(source, "api/boom.js", in: folder)
        let dev = try DevProcess(folder: folder.path, arguments: ["--app", "boom"])
        let answer = try dev.get("/api/boom")
        #expect(answer.status == 500)
        #expect(answer.json["error"] as? String == "boom 1", "\(answer.text)")
        let frame = answer.json["frame"] as? String ?? ""
        #expect(frame.hasPrefix("api/boom.js:3"), "\(frame)")
        #expect(frame.contains(#"> 3 |   throw new Error("boom " + x);"#), "\(frame)")
        #expect(frame.contains("  2 |   const x = 1;"), "\(frame)")
        #expect(frame.contains("  4 | };"), "\(frame)")
        // A caret under the failing line (its column, when the stack gives one).
        let lines = frame.split(separator: "\n").map(String.init)
        let failing = lines.firstIndex { $0.hasPrefix("> 3 |") } ?? lines.count - 1
        let caret = failing + 1 < lines.count ? lines[failing + 1] : ""
        #expect(caret.hasPrefix("    | ") && caret.hasSuffix("^") && caret.count >= 8, "\(frame)")
        #expect(dev.waitFor(stdout: "GET /api/boom 500 ", stderr: "error in api/boom.js: boom 1"))
        #expect(dev.stderr.contains(#"> 3 |   throw new Error("boom " + x);"#))
    }

    @Test func runJobRunsACronJobOnceAtStart() throws {
        let folder = try TemporaryDirectory()
        try Self.write(
            #"{"schedules": [{"name": "nightly", "cron": "0 3 * * *", "handler": "jobs/nightly.js"}]}"#,
            "fazt.json",
            in: folder
        )
        try Self.write(
            "exports.scheduled = (state, job) => { fazt.kv.set('ran', job.name); console.log('nightly ran'); };",
            "jobs/nightly.js",
            in: folder
        )
        let dev = try DevProcess(folder: folder.path, arguments: ["--app", "jobby", "--run-job", "nightly"])
        #expect(dev.waitFor(stdout: "cron nightly (jobs/nightly.js): ok"), "\(dev.stdout) \(dev.stderr)")
        #expect(dev.stdout.contains("  nightly ran"))
        let ran = try Connection(path: dev.dataPath, readOnly: true).queryOne(
            "SELECT value FROM kv WHERE app = 'jobby' AND key = 'ran'"
        ) { $0.string(0) }
        #expect(ran == #""nightly""#)

        // fazt.schedule timers fire as on a server, and each fired job prints a line.
        try Self.write(
            #"module.exports = () => fazt.schedule("250ms", { n: 7 }, { handler: "jobs/later.js" });"#,
            "api/later.js",
            in: folder
        )
        try Self.write(
            "exports.scheduled = (state) => { fazt.kv.set('later', state.n); };",
            "jobs/later.js",
            in: folder
        )
        #expect(try dev.get("/api/later").status == 200)
        #expect(dev.waitFor(stderr: "job jobs/later.js: ok in "), "\(dev.stderr)")
        let later = try Connection(path: dev.dataPath, readOnly: true).queryOne(
            "SELECT value FROM kv WHERE app = 'jobby' AND key = 'later'"
        ) { $0.string(0) }
        #expect(later == "7")
    }

    @Test func runJobNamesTheAppsJobsWhenUnknown() throws {
        let folder = try TemporaryDirectory()
        try Self.write(
            #"{"schedules": [{"name": "nightly", "cron": "0 3 * * *", "handler": "jobs/nightly.js"}]}"#,
            "fazt.json",
            in: folder
        )
        try Self.write("exports.scheduled = () => {};", "jobs/nightly.js", in: folder)
        let dev = try DevProcess(folder: folder.path, arguments: ["--app", "jobby", "--run-job", "weekly"])
        #expect(dev.waitFor(stderr: "its cron jobs: nightly"), "\(dev.stderr)")
        #expect(dev.isRunning)
    }

    @Test func aTemporaryDatabaseIsDeletedAtExit() throws {
        let folder = try TemporaryDirectory()
        try Self.write("hi", "index.html", in: folder)
        let dev = try DevProcess(folder: folder.path, arguments: ["--app", "temp"], temporaryDatabase: true)
        #expect(try dev.get("/").text == "hi")
        let line = dev.stderr.split(separator: "\n").first { $0.hasPrefix("database: ") } ?? ""
        let path = String(line.dropFirst("database: ".count).split(separator: " ").first ?? "")
        #expect(path.hasSuffix("/data.db") && line.contains("(temporary"), "\(dev.stderr)")
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(dev.interrupt() == 0)
        #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path))
    }

    @Test func refusesAMissingFolderAndADatabaseInsideIt() throws {
        let folder = try TemporaryDirectory()
        try Self.write("hi", "index.html", in: folder)
        let missing = try ServerProcess.runCLI(["dev", folder.path + "/nope", "--port", "0"])
        #expect(missing.0 != 0 && missing.2.contains("is not a folder"), "\(missing.2)")
        let inside = try ServerProcess.runCLI(["dev", folder.path, "--port", "0", "--data", folder.path + "/data.db"])
        #expect(inside.0 != 0 && inside.2.contains("is inside the app folder"), "\(inside.2)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/data.db"))
    }
}
