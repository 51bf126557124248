import CFaztSystem
import FaztAPI
import FaztBackup
import Foundation

/// Online backups: `POST /backups` (take one now), `GET /backups` (list, with the last outcome),
/// `GET /backups/status` (the last outcome only). Owner-only (ControlAccess: not an app route).
extension ControlAPI {
    func backupsRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.first == "backups" else { return nil }
        let backups = services.backups
        let settings = services.configuration.backup
        switch (request.method, segments.count) {
        case (.POST, 1):
            let body =
                request.body.readableBytes > 0 ? try request.decodeJSON(BackupRequest.self) : BackupRequest()
            let target = try Self.backupTarget(body.to ?? settings.target)
            let includeKey = body.includeKey ?? false
            let manifest = try await Self.onOwnThread {
                try backups.create(target: target, includeKey: includeKey)
            }
            if let keep = settings.keep, body.to == nil || body.to == settings.target {
                _ = try? await Self.onOwnThread { try backups.prune(target: target, keep: keep) }
            }
            let location: String
            switch target ?? backups.defaultTarget {
            case .directory(let path): location = "\(path)/\(manifest.name)"
            case .s3(let bucket, let prefix):
                location = "s3://\(bucket)/\(prefix.isEmpty ? "" : prefix + "/")\(manifest.name)"
            }
            return .json(
                BackupBody(
                    name: manifest.name,
                    location: location,
                    bytes: manifest.bytes,
                    createdAt: manifest.createdAt,
                    schemaVersion: manifest.schemaVersion,
                    databaseBytes: manifest.databaseBytes,
                    sha256: manifest.sha256,
                    keyIncluded: manifest.keyIncluded,
                    durationMs: manifest.durationMs
                ),
                status: .created
            )
        case (.GET, 1):
            let target = try Self.backupTarget(request.query["from"] ?? settings.target)
            let (entries, status) = try await Self.onOwnThread {
                (try backups.list(target: target), try backups.status())
            }
            return .json(
                BackupList(
                    target: (target ?? backups.defaultTarget).description,
                    backups: entries.map {
                        BackupBody(
                            name: $0.name,
                            location: $0.location,
                            bytes: $0.bytes,
                            createdAt: $0.createdAt,
                            schemaVersion: $0.schemaVersion,
                            sha256: $0.sha256,
                            keyIncluded: $0.keyIncluded
                        )
                    },
                    status: Self.statusBody(status, settings: settings)
                )
            )
        case (.GET, 2) where segments[1] == "status":
            let status = try await blocking { try backups.status() }
            return .json(Self.statusBody(status, settings: settings))
        case (.GET, 2), (.HEAD, 2):
            return try await backupDownload(
                named: segments[1],
                target: try Self.backupTarget(request.query["from"] ?? settings.target)
            )
        case (_, 1), (_, 2):
            throw APIError.methodNotAllowed(request.method)
        default:
            throw APIError.notFound("no control API route \(request.method) \(request.path)")
        }
    }

    /// `GET /backups/{name}`: the backup file itself, streamed (directory targets; an S3 backup
    /// is fetched from the bucket).
    private func backupDownload(named name: String, target: BackupTarget?) async throws -> Response {
        let backups = services.backups
        let entries = try await Self.onOwnThread { try backups.list(target: target) }
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw APIError.notFound("no backup named \(name) (see GET /backups or fazt backup list)")
        }
        guard entry.location.hasPrefix("/") else {
            throw APIError.badRequest(
                "\(name) is at \(entry.location): download it from the bucket (aws s3 cp \(entry.location) .)"
            )
        }
        var headers = Self.downloadHeaders(filename: entry.name)
        headers.replaceOrAdd(name: "Content-Type", value: "application/gzip")
        headers.add(name: "Content-Length", value: String(entry.bytes))
        var response = Response(status: .ok, headers: headers)
        response.file = entry.location
        return response
    }

    /// The target a request names; a directory must be absolute (it is a path on the server, not
    /// on the caller's machine).
    static func backupTarget(_ text: String?) throws -> BackupTarget? {
        guard let text else { return nil }
        let target = try BackupTarget.parse(text)
        if case .directory(let path) = target, !path.hasPrefix("/") {
            throw APIError.badRequest(
                "'\(text)' is a relative path: give an absolute directory on the server, or s3://BUCKET/PREFIX"
            )
        }
        return target
    }

    static func statusBody(_ status: BackupStatus, settings: BackupSettings) -> BackupStatusBody {
        var body = BackupStatusBody()
        body.lastAt = status.lastAt
        body.lastOK = status.lastOK
        body.lastError = status.lastError
        body.lastSuccessAt = status.lastSuccessAt
        body.lastName = status.lastName
        body.lastBytes = status.lastBytes
        body.lastDurationMs = status.lastDurationMs
        body.lastTarget = status.lastTarget
        body.ageSeconds = status.ageSeconds(now: Int64(Date().timeIntervalSince1970 * 1000))
        body.everySeconds = settings.everyMs.map { $0 / 1000 }
        body.keep = settings.keep
        return body
    }

    /// Runs long blocking work (a backup: seconds of copying and compressing) on a thread of its
    /// own at a lower priority, so it holds neither an event loop nor one of the few blocking-pool
    /// threads.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                // Nice 19 and the SCHED_IDLE class for this thread only (Linux threads have their
                // own): on a small machine the copy and gzip must not take CPU from the writer and
                // the event loops; an idle-class thread is preempted by any waking thread at once.
                _ = fazt_nice_this_thread(19)
                _ = fazt_idle_class_this_thread()
                // Its disk I/O waits behind the server's own (the WAL syncs) where the disk's
                // scheduler honours priorities.
                _ = fazt_idle_io_this_thread()
                continuation.resume(with: Result { try body() })
            }
            thread.name = "fazt-backup"
            thread.start()
        }
    }
}
