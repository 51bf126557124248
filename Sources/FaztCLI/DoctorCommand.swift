import ArgumentParser
import FaztBackup
import FaztNet
import FaztStore
import Foundation
import Glibc

/// `fazt doctor`: checks an installation, running or stopped, and prints a fix for each problem.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check an installation and print fixes.",
        discussion: """
            Checks, for the database at --data (running or stopped server): the database \
            (integrity_check), its WAL size, free disk space beside it, the last backup's age, the stored \
            TLS certificates, DNS of --domain and of a test app name under it, whether ports 80 and 443 of \
            --domain accept connections from here, the systemd unit's state, and the clock's skew against \
            the ACME server's Date header. Prints one line per check ('ok', 'warn' or 'FAIL', then a fix); \
            exits 1 when a check fails.
            """
    )

    @Option(help: "The database file.") var data: String = "./data.db"
    @Option(help: "The domain the server answers for (DNS and port checks are skipped for localhost).")
    var domain: String = "localhost"
    @Option(name: .customLong("acme-directory"), help: "Where the clock is compared (any HTTPS or HTTP URL).")
    var acmeDirectory: String = "https://acme-v02.api.letsencrypt.org/directory"
    @Option(name: .customLong("acme-ca-file"), help: "PEM root to trust for --acme-directory (a private CA).")
    var acmeCAFile: String?
    @Option(name: .customLong("http-port"), help: "The plain-HTTP port to probe.") var httpPort: Int = 80
    @Option(name: .customLong("https-port"), help: "The HTTPS port to probe.") var httpsPort: Int = 443
    @Flag(name: .customLong("offline"), help: "Skip the checks that use the network (DNS, ports, clock).")
    var offline = false

    func run() throws {
        var checks: [DoctorCheck] = []
        let path = URL(fileURLWithPath: data).standardizedFileURL.path
        checks += DoctorCheck.database(path: path)
        checks.append(DoctorCheck.disk(beside: path))
        let name = domain.lowercased()
        if !offline {
            if name != "localhost", !name.hasSuffix(".localhost") {
                checks.append(DoctorCheck.dns(name))
                checks.append(DoctorCheck.dns("doctor-check.\(name)", wildcard: true))
                checks.append(DoctorCheck.port(name, httpPort))
                checks.append(DoctorCheck.port(name, httpsPort))
            }
            checks.append(DoctorCheck.clock(url: acmeDirectory, caFile: acmeCAFile))
        }
        checks.append(DoctorCheck.systemd())
        for check in checks { print(check.line) }
        if checks.contains(where: { $0.status == .fail }) { throw ExitCode(1) }
    }
}

/// One finding of `fazt doctor`.
struct DoctorCheck {
    enum Status: String {
        case ok = "ok  "
        case warn = "warn"
        case fail = "FAIL"
    }

    var status: Status
    var name: String
    var detail: String
    var fix: String?

    var line: String { "\(status.rawValue)  \(name): \(detail)" + (fix.map { "\n      fix: \($0)" } ?? "") }

    /// The database file: readable, `integrity_check` ok, WAL size, backup age, certificates.
    static func database(path: String) -> [DoctorCheck] {
        guard FileManager.default.fileExists(atPath: path) else {
            return [
                DoctorCheck(
                    status: .fail,
                    name: "database",
                    detail: "\(path) does not exist",
                    fix: "pass --data with the server's data.db (fazt serve --data)"
                )
            ]
        }
        let connection: Connection
        do {
            connection = try Connection(path: path, readOnly: true)
        } catch {
            return [DoctorCheck(status: .fail, name: "database", detail: "cannot open \(path): \(error)", fix: nil)]
        }
        var checks: [DoctorCheck] = []
        let integrity = (try? connection.integrityCheck()) ?? "cannot run integrity_check"
        checks.append(
            integrity == "ok"
                ? DoctorCheck(status: .ok, name: "database", detail: "\(path): integrity_check ok", fix: nil)
                : DoctorCheck(
                    status: .fail,
                    name: "database",
                    detail: "integrity_check: \(integrity.prefix(200))",
                    fix: "restore the last good backup: fazt backup list; fazt backup restore FILE"
                )
        )
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        checks.append(
            wal > 256 << 20
                ? DoctorCheck(
                    status: .warn,
                    name: "wal",
                    detail: "data.db-wal is \(wal >> 20) MB",
                    fix: "a long-running reader blocks checkpoints; restart the server to checkpoint"
                ) : DoctorCheck(status: .ok, name: "wal", detail: "\(wal >> 10) KB", fix: nil)
        )
        checks.append(backup(connection))
        checks += certificates(connection)
        return checks
    }

    private static func backup(_ connection: Connection) -> DoctorCheck {
        let text = try? connection.queryOne("SELECT value FROM settings WHERE key = 'backup.status'") { $0.string(0) }
        let status = text.flatMap { try? JSONDecoder().decode(BackupStatus.self, from: Data($0.utf8)) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        guard let age = status?.ageSeconds(now: now) else {
            return DoctorCheck(
                status: .warn,
                name: "backup",
                detail: "no backup was ever taken",
                fix: "fazt serve --backup-every 6h --backup-keep 14 (or fazt backup create)"
            )
        }
        let hours = Int(age / 3600)
        if status?.lastOK == false {
            return DoctorCheck(
                status: .warn,
                name: "backup",
                detail: "the last backup failed: \(status?.lastError ?? "")",
                fix: "see fazt backup list and the server log"
            )
        }
        return age > 2 * 86_400
            ? DoctorCheck(
                status: .warn,
                name: "backup",
                detail: "the last backup is \(hours) h old",
                fix: "fazt backup create, and schedule them with --backup-every"
            ) : DoctorCheck(status: .ok, name: "backup", detail: "last backup \(hours) h ago", fix: nil)
    }

    private static func certificates(_ connection: Connection) -> [DoctorCheck] {
        let rows =
            (try? connection.query("SELECT name, not_after FROM tls_certificates ORDER BY name") {
                ($0.string(0), $0.int64(1))
            }) ?? []
        guard !rows.isEmpty else {
            return [DoctorCheck(status: .ok, name: "certificates", detail: "none stored (no --https yet)", fix: nil)]
        }
        let now = Int64(Date().timeIntervalSince1970)
        return rows.map { name, notAfter in
            let days = (notAfter - now) / 86_400
            if notAfter <= now {
                return DoctorCheck(
                    status: .fail,
                    name: "certificate \(name)",
                    detail: "expired",
                    fix: "check that ports 80/443 reach the server and DNS points here, then restart it"
                )
            }
            return days < 14
                ? DoctorCheck(
                    status: .warn,
                    name: "certificate \(name)",
                    detail: "expires in \(days) days and was not renewed",
                    fix: "see 'certificate not issued' in the server log"
                ) : DoctorCheck(status: .ok, name: "certificate \(name)", detail: "valid for \(days) days", fix: nil)
        }
    }
}
