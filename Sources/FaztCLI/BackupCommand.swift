import ArgumentParser
import FaztAPI
import FaztBackup
import FaztKernel
import FaztStore
import Foundation

/// `fazt backup create|list|restore`: online backups of data.db, and offline restore.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up the server's database while it serves, list backups, restore one (offline).",
        discussion: """
            A backup is a consistent copy of data.db taken while serving (SQLite's backup API in one \
            step), checked with integrity_check and gzip-compressed: fazt-backup-<UTC time>.db.gz, with a \
            <name>.json manifest (schema version, sizes, SHA-256). It goes to backups/ beside data.db, to \
            --to DIR, or to an S3-compatible store with --to s3://BUCKET/PREFIX, configured by the global \
            secrets BACKUP_S3_ENDPOINT, BACKUP_S3_REGION (default us-east-1), BACKUP_S3_ACCESS_KEY and \
            BACKUP_S3_SECRET_KEY ('fazt secret set --global NAME VALUE').

            The secret key (fazt.key beside data.db, or FAZT_SECRET_KEY) is NOT in a backup: keep it safe \
            separately; without it the restored secrets cannot be decrypted. --include-key writes it \
            beside a directory backup as <name>.key (mode 0600).

            Scheduled: fazt serve --backup-every 6h --backup-keep 14 [--backup-to DIR|s3://...].
            """,
        subcommands: [Create.self, List.self, Restore.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a backup now (the server does it while serving)."
        )
        @OptionGroup var options: ClientOptions
        @Option(
            help: "An absolute directory on the server, or s3://BUCKET/PREFIX (default: the server's backup target)."
        )
        var to: String?
        @Flag(name: .customLong("include-key"), help: "Also write the secret key beside the backup (directories only).")
        var includeKey = false

        func validate() throws {
            if let to { _ = try BackupCommand.parseTarget(to) }
        }

        func run() throws {
            let request = BackupRequest(to: to, includeKey: includeKey ? true : nil)
            let body = try JSONEncoder().encode(request)
            // A large database on a busy server backs up slowly on purpose (it is paced while the
            // server writes), so this waits far longer than other commands.
            if !options.json {
                FileHandle.standardError.write(
                    Data("backing up (paced while the server is writing: minutes for a large database)…\n".utf8)
                )
            }
            guard
                let made = try options.client().fetch(
                    BackupBody.self,
                    "POST",
                    "/backups",
                    body: [UInt8](body),
                    json: options.json,
                    timeoutSeconds: 6 * 3600
                )
            else { return }
            print(
                "backup \(made.name): \(Output.size(Int(made.bytes))) "
                    + "(database \(Output.size(Int(made.databaseBytes ?? 0))), \(made.durationMs ?? 0) ms)"
            )
            print("at \(made.location)")
            if made.keyIncluded { print("secret key written beside it (keep it apart from the backup)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List backups and the last backup's result.")
        @OptionGroup var options: ClientOptions
        @Option(
            help: "An absolute directory on the server, or s3://BUCKET/PREFIX (default: the server's backup target)."
        )
        var from: String?

        func validate() throws {
            if let from { _ = try BackupCommand.parseTarget(from) }
        }

        func run() throws {
            var path = "/backups"
            if let from {
                path += "?from=" + (from.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? from)
            }
            guard let list = try options.client().fetch(BackupList.self, "GET", path, json: options.json) else {
                return
            }
            Output.table(
                ["NAME", "SIZE", "TAKEN", "KEY", "LOCATION"],
                list.backups.map {
                    [
                        $0.name, Output.size(Int($0.bytes)), Output.time($0.createdAt), $0.keyIncluded ? "yes" : "no",
                        $0.location,
                    ]
                }
            )
            if list.backups.isEmpty { print("no backups at \(list.target)") }
            print(BackupCommand.describe(list.status))
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a backup into a database file no server is using.",
            discussion: """
                Refuses while a fazt serve uses --data. Checks the backup's SHA-256 against its manifest, \
                decompresses it beside data.db, runs integrity_check, keeps the old file as \
                data.db.pre-restore (its WAL folded in), swaps the files, deletes the stale -wal/-shm, \
                and opens the result to verify it. For s3:// the S3 settings come from the environment \
                (BACKUP_S3_ENDPOINT, BACKUP_S3_REGION, BACKUP_S3_ACCESS_KEY, BACKUP_S3_SECRET_KEY), else \
                from the global secrets in the existing --data database.
                """
        )
        @Option(help: "The database file to restore into.") var data: String = "./data.db"
        @Argument(help: "A .db.gz backup file, or s3://BUCKET/KEY.") var backup: String

        func run() throws {
            let path = URL(fileURLWithPath: data).standardizedFileURL.path
            let report: BackupRestorer.Report
            do {
                report = try BackupRestorer.restore(source: backup, dataPath: path) {
                    try BackupCommand.offlineS3(dataPath: path)
                }
            } catch let error as BackupError {
                throw CLIError(error.message)
            }
            print(
                "restored \(report.name) into \(path): schema version \(report.schemaVersion), "
                    + "\(Output.size(Int(report.databaseBytes)))"
                    + (report.checksumVerified
                        ? ", SHA-256 verified" : ", no manifest beside it (checksum not verified)")
            )
            if let previous = report.previous { print("the replaced database is kept as \(previous)") }
            if let warning = BackupCommand.keyWarning(dataPath: path) {
                FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            }
        }
    }

    static func parseTarget(_ text: String) throws -> BackupTarget {
        do { return try BackupTarget.parse(text) } catch let error as BackupError {
            throw ValidationError(error.message)
        }
    }

    static func describe(_ status: BackupStatusBody) -> String {
        var parts: [String] = []
        if let at = status.lastAt {
            if status.lastOK == true {
                parts.append("last backup: ok at \(Output.time(at)) (\(status.lastName ?? ""))")
            } else {
                parts.append("last backup: FAILED at \(Output.time(at)): \(status.lastError ?? "unknown error")")
            }
        } else {
            parts.append("last backup: none yet")
        }
        if let age = status.ageSeconds { parts.append("age \(Int(age)) s") }
        if let every = status.everySeconds {
            parts.append("every \(every) s" + (status.keep.map { ", keeping \($0)" } ?? ""))
        }
        return parts.joined(separator: "; ")
    }

    /// S3 settings for an offline restore: the environment, else the global secrets of the
    /// database being replaced (decrypted with the key beside it).
    static func offlineS3(dataPath: String) throws -> S3Configuration {
        let environment = ProcessInfo.processInfo.environment
        if environment[S3Configuration.secretNames.endpoint] != nil {
            return try S3Configuration.from { environment[$0] }
        }
        guard FileManager.default.fileExists(atPath: dataPath), hasKey(dataPath: dataPath) else {
            throw BackupError(
                .invalidArgument,
                "set BACKUP_S3_ENDPOINT, BACKUP_S3_ACCESS_KEY and BACKUP_S3_SECRET_KEY (and BACKUP_S3_REGION) "
                    + "in the environment to restore from S3"
            )
        }
        let store = try Store(path: dataPath)
        defer { store.close() }
        let secrets = AppSecrets(store: store, box: try SecretBox(databasePath: dataPath))
        return try S3Configuration.from { name in
            try secrets.value(app: AppSecrets.globalScope, name: name).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    static func hasKey(dataPath: String) -> Bool {
        ProcessInfo.processInfo.environment["FAZT_SECRET_KEY"] != nil
            || FileManager.default.fileExists(atPath: Backups.keyPath(databasePath: dataPath))
    }

    /// A warning when the restored database holds secrets that the key beside it cannot decrypt.
    static func keyWarning(dataPath: String) -> String? {
        guard let store = try? Store(path: dataPath) else { return nil }
        defer { store.close() }
        let sample = try? store.read { connection in
            try connection.queryOne("SELECT app, name FROM secrets LIMIT 1") { ($0.string(0), $0.string(1)) }
        }
        guard let (app, name) = sample else { return nil }
        guard hasKey(dataPath: dataPath) else {
            return "the restored database has secrets, but there is no \(Backups.keyPath(databasePath: dataPath)) "
                + "(nor FAZT_SECRET_KEY): put the key file of the backed-up server there, or its secrets stay unreadable"
        }
        guard let box = try? SecretBox(databasePath: dataPath),
            (try? AppSecrets(store: store, box: box).value(app: app, name: name)) != nil
        else {
            return "the key beside \(dataPath) does not decrypt the restored secrets: restore the backed-up "
                + "server's fazt.key (or FAZT_SECRET_KEY) too"
        }
        return nil
    }
}
