import ArgumentParser
import FaztAPI
import FaztKernel
import FaztServer
import FaztStore
import FaztVFS
import Foundation
import Logging

/// `fazt dev [DIR]`: a local server for one app folder, reloading it on save without new versions.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Serve an app folder locally and reload it on save (no version per edit).",
        discussion: """
            Runs a server on localhost for the app in DIR (default: the current folder) with its own \
            temporary data.db, deleted at exit (or --data PATH, kept). Every host serves the app: \
            open the URL it prints. The folder is deployed once as version 1; each save updates \
            that version in place, so the next request runs the new code. Each request prints \
            'METHOD PATH STATUS DURATION' on stdout; handler errors print a code frame on stderr and \
            in the 500 body; console output and one line per fired job go to stderr. Cron \
            schedules and fazt.schedule timers fire as on a server; \
            --run-job NAME also runs the cron job NAME once at start. The control API answers on the \
            same port (the token is printed at start), so 'fazt logs', 'fazt kv' and 'fazt runs' work \
            against it. When done, 'fazt deploy DIR' ships the same folder to a real server.
            """
    )

    @Argument(help: "The app folder.") var directory: String = "."
    @Option(help: "The app name (default: \"name\" in fazt.json, else the folder's name).") var app: String?
    @Option(help: "Keep the database in this file instead of a temporary one.") var data: String?
    @Option(help: "Port to listen on (0 picks a free one; the URL line says which).") var port: Int = 8080
    @Option(help: "Address to bind.") var host: String = "127.0.0.1"
    @Option(name: .customLong("run-job"), help: "Run this cron job (schedule name or job file) once at start.")
    var runJob: String?
    @Option(name: .customLong("log-level"), help: "Server log level on stderr: trace … critical.")
    var logLevel: String = "warning"

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown --log-level '\(logLevel)'")
        }
    }

    func run() async throws {
        let (root, name) = try AppFolder.resolve(directory, app: app)
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        ServeCommand.bootstrapLogging(level: level)
        let logger = Logger(label: "fazt-dev")
        // A temporary database unless --data: deleted when the server stops.
        var temporary: String?
        let path: String
        if let data {
            path = URL(fileURLWithPath: data).standardizedFileURL.path
            guard !path.hasPrefix(root.path + "/") else {
                throw CLIError("--data \(data) is inside the app folder, which is served; put the database elsewhere")
            }
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                withIntermediateDirectories: true
            )
        } else {
            let base = URL(fileURLWithPath: NSTemporaryDirectory()).standardizedFileURL.path
            var template = Array((base + "/fazt-dev-XXXXXX").utf8CString)
            guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
                throw CLIError("cannot create a temporary folder in \(NSTemporaryDirectory())")
            }
            let created = String(cString: made)
            temporary = created
            path = created + "/data.db"
        }
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        guard let lock = try DatabaseLock.acquire(databasePath: path) else {
            throw CLIError("another fazt server is using \(path); stop it first or pass another --data")
        }
        defer { withExtendedLifetime(lock) {} }
        let store: Store
        do {
            store = try Store(path: path, configuration: StoreConfiguration(), logger: logger)
        } catch {
            throw CLIError("cannot open \(path): \(error)")
        }
        let tokens = Tokens(store: store)
        let token = try tokens.count() == 0 ? try tokens.create(name: "dev").token : nil
        try VFS(store: store).collectGarbage(createdBefore: Int64.max)

        let watcher = DevWatcher(
            root: root,
            app: name,
            temporaryDirectory: URL(fileURLWithPath: path).deletingLastPathComponent().path
        )
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.domain = "localhost"
        configuration.dev = DevHooks(
            app: name,
            beforeRequest: { watcher.beforeRequest($0) },
            requestLog: { method, path, status, nanoseconds in
                let line = "\(method) \(path) \(status) \(String(format: "%.1f", Double(nanoseconds) / 1e6)) ms\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            },
            codeFrame: { location, stack in CodeFrame.render(root: root, location: location, stack: stack) },
            handlerFailed: { file, message, location, frame in
                var text = "error in \(file): \(message)"
                if let frame { text += "\n" + frame } else if let location { text += " (\(location))" }
                DevWatcher.say(text)
            }
        )
        configuration.dev?.appLog = { level, message in
            DevWatcher.say("[\(level)] \(message)")
        }
        configuration.dev?.jobRan = { kind, name, handler, milliseconds, failure in
            let what = name.map { "\(kind) \($0) (\(handler))" } ?? "\(kind) \(handler)"
            let outcome = failure.map { "failed in \(milliseconds) ms: \($0)" } ?? "ok in \(milliseconds) ms"
            DevWatcher.say("\(what): \(outcome)")
        }
        let job = runJob
        let database = temporary == nil ? path : path + " (temporary: deleted at exit; --data PATH keeps one)"
        let folder = root.path
        let daemon = FaztDaemon(
            configuration: configuration,
            store: store,
            logger: logger,
            dev: { session in
                watcher.start(session) { first in
                    let url = "http://localhost:\(session.port)/"
                    if let first {
                        DevWatcher.say(
                            "fazt dev: \(folder) as app \(name), \(first.files) files in version \(first.version)"
                        )
                        for line in DeploySummaryLines.lines(first.summary, app: name, packed: []) {
                            DevWatcher.say("  " + line)
                        }
                    }
                    DevWatcher.say("database: \(database)")
                    if let token {
                        DevWatcher.say(
                            "control API: fazt apps --server http://localhost:\(session.port) --token \(token)"
                        )
                    }
                    // The readiness line: the URL, once the folder is served.
                    FileHandle.standardOutput.write(Data("serving \(name) at \(url) (watching \(root.path))\n".utf8))
                    guard let job else { return }
                    Task {
                        do {
                            let run = try await session.runJob(app: name, job)
                            let lines = RunCommand.lines(run).joined(separator: "\n") + "\n"
                            FileHandle.standardOutput.write(Data(lines.utf8))
                        } catch {
                            DevWatcher.say("error: --run-job \(job): \(error)")
                        }
                    }
                }
            }
        )
        defer { watcher.stop() }
        do {
            try await daemon.run()
        } catch {
            throw CLIError("server failed: \(error)")
        }
    }

}
