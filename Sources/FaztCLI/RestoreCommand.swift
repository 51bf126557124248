import ArgumentParser
import FaztAPI
import Foundation

/// `fazt restore APP VERSION [--data] [--code]`.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore an app's code and/or data to a version (or its data to a snapshot).",
        discussion: """
            Without --data or --code both are restored, in one transaction that touches no other app. \
            Data means the app's kv, documents, blobs and SQL tables (schema included) as they were \
            when VERSION went live; scheduled jobs, secrets and env are not restored. The restore is \
            itself journaled: 'fazt restore APP --seq N' with the printed undo position undoes it.
            """
    )
    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Argument(help: "The version to restore to.") var version: Int?
    @Flag(help: "Restore the app's data.") var data = false
    @Flag(help: "Restore the app's code (make VERSION live).") var code = false
    @Option(help: "Restore the data to a snapshot made with 'fazt snapshot' instead of a version.")
    var snapshot: String?
    @Option(help: "Restore the data to a journal position (e.g. a restore's undo position).")
    var seq: Int64?

    func validate() throws {
        guard [version != nil, snapshot != nil, seq != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("name one restore point: VERSION, --snapshot NAME or --seq N")
        }
        if version == nil && code {
            throw ValidationError("--snapshot and --seq restore data only; use VERSION with --code")
        }
    }

    func run() throws {
        let both = !data && !code
        let request = RestoreRequest(
            version: version,
            snapshot: snapshot,
            seq: seq,
            data: version == nil ? true : (both || data),
            code: version == nil ? false : (both || code)
        )
        let body = Array(try JSONEncoder().encode(request))
        let path = "/apps/\(app.lowercased())/restore"
        guard let result = try options.client().fetch(RestoreBody.self, "POST", path, body: body, json: options.json)
        else { return }
        let target =
            result.version.map { "v\($0)" } ?? result.snapshot.map { "snapshot \"\($0)\"" }
            ?? "journal position \(result.restoredTo ?? 0)"
        var parts: [String] = []
        if result.data { parts.append("data (\(result.changes) row changes undone)") }
        if result.code { parts.append("code (now serving \(result.live.map { "v\($0)" } ?? "-"))") }
        print("\(result.app): restored \(parts.joined(separator: " and ")) to \(target)")
        print("journal position \(result.journalSeq); undo with: fazt restore \(result.app) --seq \(result.undo.seq)")
    }
}

/// `fazt snapshot APP [--name N] [--list]`.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Mark the current point of an app's data as a named restore point (or list them)."
    )
    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Option(help: "The snapshot's name (default: snapshot-<milliseconds>).") var name: String?
    @Flag(help: "List the app's snapshots instead.") var list = false

    func run() throws {
        let path = "/apps/\(app.lowercased())/snapshots"
        if list {
            guard let found = try options.client().fetch(SnapshotList.self, "GET", path, json: options.json) else {
                return
            }
            Output.table(
                ["NAME", "SEQ", "CREATED"],
                found.snapshots.map { [$0.name, "\($0.seq)", Output.date($0.createdAt)] }
            )
            return
        }
        let body = Array(try JSONEncoder().encode(SnapshotRequest(name: name)))
        guard let made = try options.client().fetch(SnapshotBody.self, "POST", path, body: body, json: options.json)
        else { return }
        print("\(made.app): snapshot \"\(made.name)\" at journal position \(made.seq)")
        print("restore it with: fazt restore \(made.app) --snapshot \(made.name)")
    }
}
