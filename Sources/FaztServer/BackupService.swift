import FaztBackup
import Foundation
import Logging
import ServiceLifecycle

/// Scheduled backups (`fazt serve --backup-every`): sleeps until the next slot, takes a backup on a
/// thread of its own, prunes beyond `--backup-keep`, and records the outcome (`BackupStatus`).
///
/// Stops at graceful shutdown; a backup already running finishes first (the store closes after
/// this service, see `FaztDaemon`).
struct BackupService: Service {
    let backups: Backups
    let settings: BackupSettings
    let logger: Logger

    func run() async throws {
        guard let every = settings.everyMs else { return }
        let target = try settings.target.map(BackupTarget.parse)
        let started = Self.now()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let last = try? backups.status().lastAt
                let next = BackupSchedule.nextRun(lastAttempt: last, started: started, every: every, now: Self.now())
                do {
                    try await Task.sleep(for: .milliseconds(max(0, next - Self.now())))
                } catch {
                    return
                }
                await takeBackup(target: target)
            }
        }
    }

    private func takeBackup(target: BackupTarget?) async {
        let backups = self.backups
        let keep = settings.keep
        do {
            let manifest = try await ControlAPI.onOwnThread { try backups.create(target: target) }
            logger.info(
                "backup taken",
                metadata: [
                    "backup.name": "\(manifest.name)", "backup.bytes": "\(manifest.bytes)",
                    "backup.duration_ms": "\(manifest.durationMs)",
                ]
            )
            if let keep {
                let pruned = try await ControlAPI.onOwnThread { try backups.prune(target: target, keep: keep) }
                if !pruned.isEmpty { logger.info("old backups deleted", metadata: ["backup.deleted": "\(pruned)"]) }
            }
        } catch {
            logger.error("scheduled backup failed", metadata: ["error": "\(error)"])
        }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
