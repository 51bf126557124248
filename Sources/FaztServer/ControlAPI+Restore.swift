import FaztAPI
import FaztStore
import FaztVFS
import Foundation

/// Data restore points: `POST /apps/{name}/restore`, `GET|POST /apps/{name}/snapshots`.
extension ControlAPI {
    /// The route, or nil when the path is not one of these.
    func restoreRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count == 3, segments[0] == "apps", ["restore", "snapshots"].contains(segments[2]) else {
            return nil
        }
        let vfs = services.vfs
        let app = segments[1]
        switch (request.method, segments[2]) {
        case (.POST, "restore"):
            let body = try request.decodeJSON(RestoreRequest.self)
            // Neither flag: both for a version; a snapshot or journal position holds data only.
            let both = body.data == nil && body.code == nil
            let data = body.data ?? (both || body.version == nil)
            let code = body.code ?? (both && body.version != nil)
            if let token = request.token {
                if data { try ControlAccess.require(token, .storageAdmin, app: app) }
                if code { try ControlAccess.require(token, .appsDeploy, app: app) }
            }
            let scheduler = services.scheduler
            let result = try await blocking {
                let result = try vfs.restore(
                    app: app,
                    version: body.version,
                    snapshot: body.snapshot,
                    seq: body.seq,
                    data: data,
                    code: code
                )
                if code { scheduler.refresh(app: result.app) }
                return result
            }
            if code {
                services.catalog.invalidate(result.app)
                if let live = result.live { await services.supervisor.warm(app: result.app, version: live) }
            }
            return .json(
                RestoreBody(
                    app: result.app,
                    version: result.version,
                    snapshot: result.snapshot,
                    data: result.data,
                    code: result.code,
                    journalSeq: result.journalSeq,
                    restoredTo: result.restoredTo,
                    changes: result.changes,
                    live: result.live,
                    undo: .init(seq: result.undoSeq)
                )
            )
        case (.POST, "snapshots"):
            let body = request.body.readableBytes > 0 ? try request.decodeJSON(SnapshotRequest.self) : SnapshotRequest()
            let made = try await blocking { try vfs.snapshot(app: app, name: body.name) }
            return .json(
                SnapshotBody(app: made.app, name: made.name, seq: made.seq, createdAt: made.createdAt),
                status: .created
            )
        case (.GET, "snapshots"):
            let list = try await blocking { try vfs.snapshots(app: app) }
            let name = try await blocking { try vfs.info(app: app).name }
            return .json(
                SnapshotList(
                    app: name,
                    snapshots: list.map {
                        SnapshotBody(app: $0.app, name: $0.name, seq: $0.seq, createdAt: $0.createdAt)
                    }
                )
            )
        default:
            throw APIError.methodNotAllowed(request.method)
        }
    }

    /// The data journal's reach and size for `GET /apps/{name}`.
    func journalBody(app: String) async throws -> JournalBody {
        let vfs = services.vfs
        let summary = try await blocking { try vfs.journal(app: app) }
        let configuration = services.configuration
        return JournalBody(
            enabled: configuration.dataJournal,
            entries: summary.entries,
            bytes: summary.bytes,
            oldestSeq: summary.horizon,
            oldestAt: summary.oldestAt,
            seq: summary.position,
            maxAgeDays: configuration.journalMaxAgeDays,
            maxBytes: configuration.journalMaxBytes
        )
    }
}
