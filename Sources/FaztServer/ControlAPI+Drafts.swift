import FaztAPI
import FaztStorage
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

/// `/apps/{name}/drafts…`: named working sets of file changes, committed as versions.
extension ControlAPI {
    /// True for `PUT /apps/{name}/drafts/{draft}/files/{path}`, whose body is one file (per-file limit).
    static func isDraftFilePath(_ path: String) -> Bool {
        let segments = path.split(separator: "/")
        return segments.count >= 6 && segments[0] == "apps" && segments[2] == "drafts" && segments[4] == "files"
    }

    func draftsRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count >= 3, segments[0] == "apps", segments[2] == "drafts" else { return nil }
        let vfs = services.vfs
        let app = segments[1]
        switch (request.method, segments.count) {
        case (.GET, 3):
            let drafts = try await blocking { try vfs.drafts(app: app) }
            return .json(DraftList(app: app.lowercased(), drafts: drafts.map(DraftBody.init)))
        case (.GET, 4):
            return .json(DraftBody(try await blocking { try vfs.draft(app: app, name: segments[3]) }))
        case (.DELETE, 4):
            try await blocking { try vfs.discardDraft(app: app, name: segments[3]) }
            return .json(["app": app.lowercased(), "discarded": segments[3]])
        case (.POST, 5) where segments[4] == "commit":
            return try await commit(request, app: app, draft: segments[3])
        case (_, 6...) where segments[4] == "files":
            return try await file(request, app: app, draft: segments[3], path: Self.filePath(segments.dropFirst(5)))
        case (.GET, _), (.DELETE, _), (.POST, 5):
            throw APIError.notFound("no control API route \(request.method) \(request.path)")
        default:
            throw APIError.methodNotAllowed(request.method)
        }
    }

    /// The file path from the URL's remaining segments, percent-decoded one by one.
    private static func filePath(_ segments: ArraySlice<String>) throws -> String {
        try segments.map { segment in
            guard let decoded = segment.removingPercentEncoding else {
                throw APIError.badRequest("the file path segment '\(segment)' is not valid percent-encoding")
            }
            return decoded
        }.joined(separator: "/")
    }

    private func file(_ request: APIRequest, app: String, draft: String, path: String) async throws -> Response {
        let vfs = services.vfs
        switch request.method {
        case .PUT:
            let data = [UInt8](request.body.readableBytesView)
            let write = try await blocking { try vfs.writeDraftFile(app: app, draft: draft, path: path, data: data) }
            let body = DraftFileBody(
                app: write.app,
                draft: write.draft,
                path: write.path,
                size: write.size,
                base: write.base
            )
            return .json(body, status: write.created ? .created : .ok)
        case .DELETE:
            let write = try await blocking { try vfs.deleteDraftFile(app: app, draft: draft, path: path) }
            let body = DraftFileBody(
                app: write.app,
                draft: write.draft,
                path: write.path,
                size: 0,
                base: write.base,
                deleted: true
            )
            return .json(body)
        case .GET:
            let (file, content) = try await blocking { try vfs.draftFile(app: app, draft: draft, path: path) }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: file.mime)
            headers.add(name: "Cache-Control", value: "no-store")
            return Response(status: .ok, headers: headers, body: ByteBuffer(bytes: content.data))
        default:
            throw APIError.methodNotAllowed(request.method)
        }
    }

    private func commit(_ request: APIRequest, app: String, draft: String) async throws -> Response {
        let body = request.body.readableBytes > 0 ? try request.decodeJSON(DraftCommitRequest.self) : .init()
        let options = DraftCommitOptions(
            message: body.message,
            expectedParent: body.expectedParent,
            force: body.force ?? false,
            deploy: body.deploy ?? true
        )
        if options.deploy, let token = request.token {
            // Going live moves the live pointer: `apps:build` tokens commit with "deploy": false.
            try ControlAccess.require(token, .appsDeploy, app: app)
        }
        try await requireCreateScopeIfNew(request, app: app)
        let vfs = services.vfs
        let supervisor = services.supervisor
        let committed = try await blocking {
            try vfs.commitDraft(app: app, draft: draft, options: options) { scripts in
                try ScriptChecker.check(scripts, with: supervisor)
            }
        }
        let result = committed.result
        let summary = committed.live ? try await wentLive(result, source: "draft") : nil
        return .json(
            DeployBody(
                app: result.app,
                version: result.version,
                files: result.files,
                bytes: result.bytes,
                url: services.appURL(result.app),
                summary: summary,
                live: committed.live
            ),
            status: .created
        )
    }

    /// What follows a version going live (deploy or draft commit): caches, cron, a warm worker, the
    /// `system.app.deployed` event and a log line; returns the deploy summary.
    func wentLive(_ result: DeployResult, source: String) async throws -> DeploySummary {
        services.catalog.invalidate(result.app)
        GitPackCache.refresh(app: result.app, vfs: services.vfs, pool: services.threadPool, onlyIfUsed: true)
        let scheduler = services.scheduler
        try await blocking { scheduler.refresh(app: result.app) }
        await services.supervisor.warm(app: result.app, version: result.version)
        services.events.emitSystem(
            "system.app.deployed",
            app: result.app,
            data: [
                ("app", .string(result.app)), ("version", .number(Double(result.version))), ("source", .string(source)),
            ],
            now: StorageExecutor.wallClock()
        )
        let services = self.services
        let summary = try await blocking { try DeploySummary.build(result, services: services) }
        services.logger.info(
            "deployed",
            metadata: [
                "app": "\(result.app)", "app.version": "\(result.version)", "app.files": "\(result.files)",
                "app.source": "\(source)",
            ]
        )
        return summary
    }
}

extension DraftBody {
    init(_ info: DraftInfo) {
        self.init(
            app: info.app,
            draft: info.name,
            base: info.base,
            live: info.live,
            changes: info.changes.map { DraftChangeBody(path: $0.path, change: $0.change.rawValue, size: $0.size) },
            createdAt: info.createdAt,
            updatedAt: info.updatedAt
        )
    }
}
