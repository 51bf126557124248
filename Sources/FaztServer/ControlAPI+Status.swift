import FaztAPI
import FaztBackup
import FaztVFS
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
        /// Writes queued for the database writer and not yet started.
        var writerQueue: Int
        /// Served certificates (`--https` only; nil when serving plain HTTP).
        var certificates: [Certificate]?

        struct Certificate: Encodable {
            var name: String
            /// Epoch seconds.
            var notAfter: Int64
            var daysLeft: Int
        }
    }

    /// `GET /deploys?limit=20` → `{"deploys":[{app, version, source, message, createdAt, files, bytes, live}]}`:
    /// the newest versions over every app.
    func deploysRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments == ["deploys"] else { return nil }
        guard request.method == .GET else { throw APIError.methodNotAllowed(request.method) }
        let limit = try request.limit(default: 20, maximum: 200)
        let vfs = services.vfs
        let recent = try await blocking { try vfs.recentVersions(limit: limit) }
        return .json(["deploys": recent.map { DeployEntry(app: $0.app, $0.version) }])
    }

    /// `GET /traffic` → `{"intervalSeconds":60,"since","apps":{"<label>":{"requests":[…],"errors":[…]}}}`:
    /// responses and 5xx errors per minute over the last hour by app label (oldest first), the last
    /// value being the minute in progress; `since` is when the last full minute ended (epoch ms).
    func trafficRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments == ["traffic"] else { return nil }
        guard request.method == .GET else { throw APIError.methodNotAllowed(request.method) }
        let view = services.traffic.view(current: try await services.metrics.requestTotals())
        return .json(
            TrafficBody(
                intervalSeconds: 60,
                since: view.since,
                apps: view.series.mapValues { TrafficBody.Series(requests: $0.requests, errors: $0.errors) }
            )
        )
    }

    struct TrafficBody: Encodable {
        struct Series: Encodable {
            var requests: [UInt64]
            var errors: [UInt64]
        }

        var intervalSeconds: Int
        var since: Int64
        var apps: [String: Series]
    }

    struct DeployEntry: Encodable {
        var app: String
        var version: Int
        var source: String
        var message: String?
        var createdAt: Int64
        var files: Int
        var bytes: Int
        var live: Bool

        init(app: String, _ info: VersionInfo) {
            self.app = app
            version = info.version
            source = info.source
            message = info.message
            createdAt = info.createdAt
            files = info.files
            bytes = info.bytes
            live = info.live
        }
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
                backup: Self.statusBody(backup, settings: services.configuration.backup),
                writerQueue: services.store.pendingWrites,
                certificates: services.tls.map { manager in
                    let now = Int64(Date().timeIntervalSince1970)
                    return manager.certificates.map {
                        .init(name: $0.name, notAfter: $0.notAfter, daysLeft: Int(($0.notAfter - now) / 86_400))
                    }
                }
            )
        )
    }
}
