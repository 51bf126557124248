import FaztAPI
import FaztBackup
import Foundation
import Glibc

/// `GET /status`: what the dashboard's health strip shows (uptime, memory, workers, disk, the last
/// backup, the version).
extension ControlAPI {
    struct StatusBody: Encodable {
        var version: String
        var uptimeSeconds: Double
        var rssBytes: Double
        var workers: Int
        var diskFreeBytes: Double
        var backup: BackupStatusBody
    }

    func statusRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments == ["status"] else { return nil }
        guard request.method == .GET else { throw APIError.methodNotAllowed(request.method) }
        let backups = services.backups
        let backup = try await blocking { try backups.status() }
        let process = ProcessMetrics.residentAndStart()
        var disk = statvfs()
        let directory = URL(fileURLWithPath: services.store.path).deletingLastPathComponent().path
        let free = statvfs(directory, &disk) == 0 ? Double(disk.f_bavail) * Double(disk.f_frsize) : 0
        return .json(
            StatusBody(
                version: ServerMetrics.version,
                uptimeSeconds: process.startSeconds.map { max(0, Date().timeIntervalSince1970 - $0) } ?? 0,
                rssBytes: process.residentBytes,
                workers: services.supervisor.workerCount,
                diskFreeBytes: free,
                backup: Self.statusBody(backup, settings: services.configuration.backup)
            )
        )
    }
}
