import FaztAPI
import FaztKernel
import FaztScheduler
import FaztStorage
import FaztStore
import FaztVFS
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The owner's control API under `/_fazt/api/v1`: apps, versions, deploy, rollback, tokens.
struct ControlAPI: Sendable {
    let services: ServerServices

    /// True for `/apps/{name}/deploy`, whose body is spooled to disk instead of memory.
    static func isDeployPath(_ path: String) -> Bool {
        let segments = path.split(separator: "/")
        return segments.count == 3 && segments[0] == "apps" && segments[2] == "deploy"
    }

    func handle(_ request: APIRequest) async -> Response {
        let response: Response
        let started = ContinuousClock.now
        var verified: TokenInfo?
        do {
            response = try await route(request, verified: &verified)
        } catch {
            // Answers about the request itself (bad SQL included) are not server failures.
            let expected =
                error is APIError || error is VFSError
                || ((error as? StorageError).map { $0.code != .internalError } ?? false)
                || ((error as? KernelError).map { $0.code == .invalidArgument || $0.code == .tooLarge } ?? false)
            if !expected {
                services.logger.error(
                    "control API request failed",
                    metadata: ["http.path": "\(request.path)", "error": "\(error)"]
                )
            }
            response = ErrorMapping.response(for: error)
        }
        if let token = verified, !token.isOwner, !request.viaMCP, request.method != .GET, request.method != .HEAD {
            await audit(request, token: token, status: response.status, since: started)
        }
        if let upload = request.upload {
            _ = try? await upload.written.get()
            upload.file.discard()
        }
        return response
    }

    /// A scoped token needs `apps:create` to make `app` by deploying or committing to it.
    func requireCreateScopeIfNew(_ request: APIRequest, app: String) async throws {
        guard let token = request.token, !token.isOwner else { return }
        let vfs = services.vfs
        let exists = try await blocking { (try? vfs.info(app: app)) != nil }
        if !exists { try ControlAccess.require(token, .appsCreate, app: app) }
    }

    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await services.threadPool.runIfActive(body)
    }

    private func route(_ incoming: APIRequest, verified: inout TokenInfo?) async throws -> Response {
        var request = incoming
        let segments = request.path.split(separator: "/").map(String.init)
        if segments == ["health"] { return .json(["status": "ok"]) }
        let tokens = services.tokens
        let token: TokenInfo
        if let preset = incoming.token {
            token = preset
        } else if let secret = request.bearerToken {
            guard let found = try await blocking({ try tokens.verify(secret) }) else { throw APIError.unauthorized }
            token = found
        } else if let session = DashboardSession.id(in: request.head.headers) {
            // The dashboard's cookie: the owner, and every write must carry the session's CSRF token.
            let sessions = services.ownerSessions
            guard try await blocking({ try sessions.isValid(session, app: OwnerSessions.dashboard) }) else {
                throw APIError.unauthorized
            }
            if request.method != .GET, request.method != .HEAD {
                try DashboardSession.checkCSRF(request.head.headers, session: session)
            }
            request.session = session
            token = DashboardSession.owner(session)
        } else {
            throw APIError.unauthorized
        }
        verified = token
        try ControlAccess.check(token, ControlAccess.requirement(request.method, segments))
        request.token = token
        let vfs = services.vfs
        if let response = try await diffRoute(request, segments) { return response }
        if let response = try await gitRemoteRoute(request, segments) { return response }
        if let response = try await previewRoute(request, segments) { return response }
        if let response = try await jobsRoute(request, segments) { return response }
        if let response = try await manualRunRoute(request, segments) { return response }
        if let response = try await eventsRoute(request, segments) { return response }
        if let response = try await notifyRoute(request, segments) { return response }
        if let response = try await dataRoute(request, segments) { return response }
        if let response = try await storageRoute(request, segments) { return response }
        if let response = try await realtimeRoute(request, segments) { return response }
        if let response = try await netRoute(request, segments) { return response }
        if let response = try await secretsRoute(request, segments) { return response }
        if let response = try await connectRoute(request, segments) { return response }
        if let response = try await aiRoute(request, segments) { return response }
        if let response = try await assistantRoute(request, segments) { return response }
        if let response = try await draftsRoute(request, segments) { return response }
        if let response = try await tagsRoute(request, segments) { return response }
        if let response = try await restoreRoute(request, segments) { return response }
        if let response = try await auditRoute(request, segments) { return response }
        if let response = try await approvalsRoute(request, segments) { return response }
        if let response = try await backupsRoute(request, segments) { return response }
        if let response = try await sessionsRoute(request, segments) { return response }
        if let response = try await statusRoute(request, segments) { return response }
        if let response = try await deploysRoute(request, segments) { return response }
        if let response = try await trafficRoute(request, segments) { return response }
        if let response = try await filesRoute(request, segments) { return response }
        switch (request.method, segments.first, segments.count) {
        case (.GET, "apps", 1):
            let apps = try await blocking { try vfs.apps() }.filter { token.reaches(app: $0.name) }
            return .json(AppList(apps: apps.map { AppBody($0, url: services.appURL($0.name)) }))
        case (.GET, "apps", 2):
            let store = services.store
            let (info, usage) = try await blocking {
                let info = try vfs.info(app: segments[1])
                return (info, try store.read { try StorageAdmin.usage($0, app: info.name) })
            }
            var body = AppBody(info, url: services.appURL(info.name))
            body.storage = StorageBody(usage, defaultQuota: services.configuration.storageQuotaBytes)
            body.journal = try await journalBody(app: info.name)
            return .json(body)
        case (.PUT, "apps", 3) where segments[2] == "quota":
            let name = try await blocking { try vfs.info(app: segments[1]).name }
            let body = try request.decodeJSON(QuotaBody.self)
            guard body.bytes.map({ $0 > 0 }) ?? true else { throw APIError.badRequest("bytes must be positive") }
            _ = try await services.store.write { connection in
                try connection.run(
                    """
                    INSERT INTO storage_usage (app, quota_bytes) VALUES (?, ?)
                    ON CONFLICT (app) DO UPDATE SET quota_bytes = excluded.quota_bytes
                    """,
                    [.text(name), body.bytes.map { .integer($0) } ?? .null]
                )
            }
            return .json(QuotaBody(app: name, bytes: body.bytes))
        case (.DELETE, "apps", 2):
            let name = segments[1]
            try await blocking {
                try vfs.deleteApp(name) { connection, app in
                    try StorageAdmin.deleteAll(connection, app: app)
                    try ChangeJournal.deleteAll(connection, app: app)
                    try StorageAdmin.deletePreviews(connection, app: app)
                    try Self.deletePreviewRecords(connection, app: app)
                    try JobStore.deleteAll(connection, app: app)
                    try EventBus.deleteAll(connection, app: app)
                    try AppSecrets.deleteAll(connection, app: app)
                    try AIBudget.deleteAll(connection, app: app)
                    try EgressLog.deleteAll(connection, app: app)
                }
            }
            services.events.emitSystem(
                "system.app.deleted",
                app: name.lowercased(),
                data: [("app", .string(name.lowercased()))],
                now: StorageExecutor.wallClock()
            )
            services.catalog.invalidate(name.lowercased())
            services.supervisor.retireAll()
            services.realtime.hub.closeApp(name.lowercased(), reason: "the app was deleted")
            services.realtime.forget(app: name.lowercased())
            try await services.logs.delete(app: name.lowercased())
            return .json(["deleted": name.lowercased()])
        case (.GET, "apps", 3) where segments[2] == "versions":
            let versions = try await blocking { try vfs.versions(app: segments[1]) }
            return .json(VersionList(app: segments[1].lowercased(), versions: versions.map(VersionBody.init)))
        case (.GET, "apps", 3) where segments[2] == "logs":
            let name = try await blocking { try vfs.info(app: segments[1]).name }
            let query = request.query
            let limit = try request.limit(default: 100, maximum: 1000)
            let after = query["after"].flatMap { Int64($0) }
            if query["follow"] == "1" || query["follow"] == "true" {
                var response = Response(status: .ok)
                response.follow = .logs(app: name, after: after)
                return response
            }
            let logs = services.logs
            let entries = try await blocking { try logs.read(app: name, after: after, limit: limit) }
            return .json(LogList(app: name, logs: entries))
        case (.GET, "apps", 3) where segments[2] == "env":
            let env = AppEnv(store: services.store)
            let (name, values) = try await blocking {
                let name = try vfs.info(app: segments[1]).name
                return (name, try env.list(app: name))
            }
            return .json(EnvList(app: name, env: values))
        case (.PUT, "apps", 4) where segments[2] == "env":
            let name = try await blocking { try vfs.info(app: segments[1]).name }
            let key = try AppEnv.validate(key: segments[3])
            let body = try request.decodeJSON(EnvValue.self)
            try await AppEnv(store: services.store).set(app: name, key: key, value: body.value)
            return .json(["app": name, "key": key])
        case (.DELETE, "apps", 4) where segments[2] == "env":
            let name = try await blocking { try vfs.info(app: segments[1]).name }
            let key = try AppEnv.validate(key: segments[3])
            guard try await AppEnv(store: services.store).unset(app: name, key: key) else {
                throw APIError.notFound("'\(key)' is not set for \(name)")
            }
            return .json(["app": name, "unset": key])
        case (.POST, "apps", 3) where segments[2] == "deploy":
            return try await deploy(request, app: segments[1])
        case (.POST, "apps", 3) where segments[2] == "rollback":
            let body = try request.decodeJSON(RollbackBody.self)
            let scheduler = services.scheduler
            let info = try await blocking {
                let info = try vfs.rollback(app: segments[1], to: body.version)
                scheduler.refresh(app: info.name)
                return info
            }
            services.catalog.invalidate(info.name)
            if let version = info.version { await services.supervisor.warm(app: info.name, version: version) }
            return .json(AppBody(info, url: services.appURL(info.name)))
        case (.GET, "tokens", 1):
            return .json(TokenList(tokens: try await blocking { try tokens.list() }))
        case (.POST, "tokens", 1):
            return try await createToken(request)
        case (.DELETE, "tokens", 2):
            let id = segments[1]
            guard try await blocking({ try tokens.revoke(id: id) }) else {
                throw APIError.notFound("no token with id '\(id)'")
            }
            // Revocation holds from the next request on: forget every cached verification.
            services.ownerAccess.removeAll()
            return .json(["revoked": id])
        case (_, "apps", 1...4), (_, "tokens", 1...2):
            throw APIError.methodNotAllowed(request.method)
        default:
            throw APIError.notFound("no control API route \(request.method) \(request.path)")
        }
    }

    private func deploy(_ request: APIRequest, app: String) async throws -> Response {
        guard let upload = request.upload else { throw APIError.badRequest("the deploy body is missing") }
        _ = try AppName.validate(app)
        try await requireCreateScopeIfNew(request, app: app)
        try await upload.written.get()
        upload.file.close()
        let contentType = request.head.headers.first(name: "Content-Type") ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
        var boundary: String?
        switch mediaType {
        case "application/zip", "application/x-zip-compressed", "application/gzip", "application/x-gzip",
            "application/x-tar", "application/x-gtar", "application/x-compressed-tar", "application/octet-stream":
            break
        case "multipart/form-data":
            guard let value = Multipart.boundary(from: contentType) else {
                throw APIError.badRequest("multipart/form-data needs a boundary parameter")
            }
            boundary = value
        default:
            throw APIError(
                status: .unsupportedMediaType,
                code: "unsupported_media_type",
                message: "send the archive as application/zip, application/gzip or multipart/form-data (field 'file')"
            )
        }
        let query = request.query
        let source = query["source"] ?? "upload"
        let message = query["message"] ?? request.head.headers.first(name: "X-Fazt-Message")
        let spooled = upload.file.path
        let partPath = services.temporaryPath(prefix: "part")
        let vfs = services.vfs
        let supervisor = services.supervisor
        let partBoundary = boundary
        let result = try await blocking { () throws -> DeployResult in
            var archive = spooled
            if let boundary = partBoundary {
                try Multipart.extractFile(from: spooled, boundary: boundary, field: "file", to: partPath)
                archive = partPath
            }
            defer { unlink(partPath) }
            return try vfs.deploy(app: app, archivePath: archive, source: source, message: message) { scripts in
                try ScriptChecker.check(scripts, with: supervisor)
            }
        }
        let summary = try await wentLive(result, source: source)
        return .json(
            DeployBody(
                app: result.app,
                version: result.version,
                files: result.files,
                bytes: result.bytes,
                url: services.appURL(result.app),
                summary: summary
            ),
            status: .created
        )
    }
}
