import FaztBackup
import FaztStore
import Foundation
import Glibc

/// One finding of `fazt doctor`: what was checked, how it stands, and what to do about it.
struct DoctorCheck: Encodable {
    enum Level: String, Encodable {
        case ok, warn, fail, skip
    }

    var name: String
    var level: Level
    var detail: String
    var fix: String?

    static func ok(_ name: String, _ detail: String) -> DoctorCheck {
        DoctorCheck(name: name, level: .ok, detail: detail)
    }
    static func skip(_ name: String, _ detail: String) -> DoctorCheck {
        DoctorCheck(name: name, level: .skip, detail: detail)
    }
    static func warn(_ name: String, _ detail: String, fix: String) -> DoctorCheck {
        DoctorCheck(name: name, level: .warn, detail: detail, fix: fix)
    }
    static func fail(_ name: String, _ detail: String, fix: String) -> DoctorCheck {
        DoctorCheck(name: name, level: .fail, detail: detail, fix: fix)
    }
}

/// The checks of the installation on this machine.
///
/// The database file, the server, the disk, the
/// last backup and the systemd unit. None of them writes anything.
struct LocalDoctor {
    var data: String
    var unitPath: String
    /// Now, in milliseconds since 1970 (injectable for tests of the backup age).
    var now = Int64(Date().timeIntervalSince1970 * 1000)

    /// A WAL larger than this means checkpoints are being held back (a long read) or failed.
    static let walWarningBytes: Int64 = 256 << 20
    /// A backup older than this is stale.
    static let backupWarningSeconds: Double = 2 * 86_400

    func checks(progress: (String) -> Void) -> [DoctorCheck] {
        guard FileManager.default.fileExists(atPath: data) else {
            return [
                .fail(
                    "database",
                    "\(data) does not exist",
                    fix: "pass the database with --data PATH (the service keeps it in /var/lib/fazt/data.db)"
                )
            ]
        }
        var found = [database(), server(), wal(), disk()]
        progress("checking the integrity of \(data) (\(Output.size(Int(Self.fileSize(data) ?? 0))))…")
        found.append(integrity())
        found.append(backup())
        found += certificates()
        found.append(systemd())
        return found
    }

    static func fileSize(_ path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }

    func database() -> DoctorCheck {
        .ok("database", "\(data), \(Output.size(Int(Self.fileSize(data) ?? 0)))")
    }

    func server() -> DoctorCheck {
        do {
            if try DatabaseLock.isHeld(databasePath: data) { return .ok("server", "running (it holds \(data).lock)") }
            return .warn(
                "server",
                "not running on \(data)",
                fix: "start it: 'systemctl start fazt' (service) or 'fazt serve --data \(data)'"
            )
        } catch {
            return .warn(
                "server",
                "cannot tell whether it runs: \(error)",
                fix: "check the permissions of \(data).lock"
            )
        }
    }

    func wal() -> DoctorCheck {
        let size = Self.fileSize(data + "-wal") ?? 0
        guard size > Self.walWarningBytes else { return .ok("wal", "\(Output.size(Int(size)))") }
        return .warn(
            "wal",
            "\(Output.size(Int(size))): checkpoints are being held back",
            fix:
                "a long read (a backup, a slow query) keeps SQLite from folding the WAL back; it shrinks once that ends, or at the next start of the server"
        )
    }

    func disk() -> DoctorCheck {
        let directory = URL(fileURLWithPath: data).deletingLastPathComponent().path
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else {
            return .warn("disk", "cannot read the free space of \(directory)", fix: "check that \(directory) exists")
        }
        let free = Int64(stats.f_bavail) * Int64(stats.f_frsize)
        let database = Self.fileSize(data) ?? 0
        let detail = String(format: "%.1f GB", Double(free) / 1_073_741_824) + " free beside \(data)"
        if free < database {
            return .fail(
                "disk",
                detail + ", less than the database itself",
                fix: "free space on \(directory): a backup needs room for a full copy, and the database must grow"
            )
        }
        if free < max(2 * database, 1 << 30) {
            return .warn(
                "disk",
                detail,
                fix: "keep at least twice the database's size (and 1 GB) free: backups copy the whole file first"
            )
        }
        return .ok("disk", detail)
    }

    func integrity() -> DoctorCheck {
        let started = Date()
        do {
            let connection = try Connection(path: data, readOnly: true)
            let messages = try connection.query("PRAGMA integrity_check") { $0.string(0) }
            let seconds = String(format: "%.1f s", Date().timeIntervalSince(started))
            guard messages == ["ok"] else {
                return .fail(
                    "integrity",
                    "\(messages.prefix(3).joined(separator: "; ")) (\(seconds))",
                    fix: "restore the last good backup: stop the server, 'fazt backup restore FILE --data \(data)'"
                )
            }
            return .ok("integrity", "integrity_check ok (\(seconds))")
        } catch {
            return .fail(
                "integrity",
                "cannot read \(data): \(error)",
                fix: "check the file's permissions (run as its owner)"
            )
        }
    }

    func backup() -> DoctorCheck {
        let status: BackupStatus
        do {
            let connection = try Connection(path: data, readOnly: true)
            let text = try connection.queryOne("SELECT value FROM settings WHERE key = 'backup.status'") {
                $0.string(0)
            }
            status =
                text.flatMap { try? JSONDecoder().decode(BackupStatus.self, from: Data($0.utf8)) } ?? BackupStatus()
        } catch {
            return .warn("backup", "cannot read the backup state: \(error)", fix: "check the file's permissions")
        }
        let schedule =
            "take one now with 'fazt backup create', and schedule them: fazt serve --backup-every 6h --backup-keep 14"
        if status.lastOK == false, let error = status.lastError {
            return .fail(
                "backup",
                "the last backup failed: \(error)",
                fix: "fix the cause above, then 'fazt backup create'"
            )
        }
        guard let age = status.ageSeconds(now: now) else {
            return .warn("backup", "no backup was ever taken", fix: schedule)
        }
        let detail = "last \(status.lastName ?? "backup") \(Self.age(age)) ago"
        return age > Self.backupWarningSeconds ? .warn("backup", detail, fix: schedule) : .ok("backup", detail)
    }

    /// The certificates `fazt serve --https` stored (`tls_certificates`): expired ones fail, those
    /// renewal left under 14 days warn.
    func certificates() -> [DoctorCheck] {
        let rows: [(String, Int64)]
        do {
            let connection = try Connection(path: data, readOnly: true)
            rows = try connection.query("SELECT name, not_after FROM tls_certificates ORDER BY name") {
                ($0.string(0), $0.int64(1))
            }
        } catch {
            return [.skip("certificates", "none stored (the database predates HTTPS, or cannot be read)")]
        }
        guard !rows.isEmpty else { return [.skip("certificates", "none stored (the server runs without --https)")] }
        let now = now / 1000
        return rows.map { name, notAfter in
            let days = (notAfter - now) / 86_400
            if notAfter <= now {
                return .fail(
                    "certificate",
                    "\(name) expired",
                    fix:
                        "check that ports 80/443 reach the server and DNS points here, then restart it ('fazt service logs' shows ACME errors)"
                )
            }
            guard days >= 14 else {
                return .warn(
                    "certificate",
                    "\(name) expires in \(days) days and was not renewed",
                    fix: "see 'certificate not issued' in the server log ('fazt service logs')"
                )
            }
            return .ok("certificate", "\(name) valid for \(days) days")
        }
    }

    static func age(_ seconds: Double) -> String {
        if seconds < 120 { return "\(Int(seconds)) s" }
        if seconds < 7_200 { return "\(Int(seconds / 60)) min" }
        if seconds < 172_800 { return "\(Int(seconds / 3_600)) h" }
        return "\(Int(seconds / 86_400)) days"
    }

    func systemd() -> DoctorCheck {
        guard FileManager.default.fileExists(atPath: unitPath) else {
            return .skip("systemd", "no unit at \(unitPath) (install one with 'fazt service install')")
        }
        guard ServiceCommand.systemdRuns else {
            return .skip("systemd", "\(unitPath) exists, but systemd does not run here")
        }
        let active = Self.output("/usr/bin/systemctl", ["is-active", "fazt"])
        let enabled = Self.output("/usr/bin/systemctl", ["is-enabled", "fazt"])
        let detail = "fazt.service \(active), \(enabled)"
        guard active == "active" else {
            return .fail("systemd", detail, fix: "see why: 'fazt service logs'; start it: 'systemctl start fazt'")
        }
        guard enabled == "enabled" else {
            return .warn("systemd", detail, fix: "start it at boot: 'systemctl enable fazt'")
        }
        return .ok("systemd", detail)
    }

    /// The first line a command prints (empty when it cannot run).
    static func output(_ path: String, _ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }
}
