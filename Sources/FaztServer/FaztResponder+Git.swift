import FaztAPI
import FaztGit
import FaztKernel
import FaztStore
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

/// `/_fazt/git/<app>.git/*`: git smart HTTP (protocol v0) for the owner: clone, fetch and push-to-deploy.
extension FaztResponder {
    func serveGit(_ exchange: Exchange, app: String, path: String, query: String?) {
        let head = exchange.head
        guard (try? AppName.validate(app)) != nil else {
            return exchange.respond(
                .text(.notFound, "no app named \"\(app)\": app names are lower-case letters, digits and '-'\n")
            )
        }
        guard let token = Self.gitToken(head.headers) else { return exchange.respond(Self.gitUnauthorized) }
        let services = self.services
        let body = exchange.request.bodyBuffer
        services.threadPool.runIfActive(eventLoop: exchange.loop) { () -> Response in
            guard let grant = try services.tokens.verify(token) else { return Self.gitUnauthorized }
            // Fetching needs apps:read; pushing at least apps:write (each ref is checked again below).
            let pushing = path.hasSuffix("receive-pack") || (query ?? "").contains("service=git-receive-pack")
            let needed: TokenScope = pushing ? .appsWrite : .appsRead
            guard grant.allows(needed, app: app) else {
                return .text(
                    .forbidden,
                    "token '\(grant.name)' may not \(pushing ? "push to" : "fetch") \(app): it needs \(needed.rawValue) "
                        + "on that app (fazt token create --app \(app) --preset \(pushing ? "build or ship" : "read"))\n"
                )
            }
            do {
                return try Self.gitAnswer(
                    services: services,
                    app: app,
                    path: path,
                    query: query,
                    head: head,
                    body: body,
                    grant: grant
                )
            } catch let error as GitProtocolError {
                // A malformed request: git shows an `ERR` line as "remote error: …" and stops.
                let service = path.hasSuffix("receive-pack") ? "git-receive-pack" : "git-upload-pack"
                return Self.gitResponse("\(service)-result", PktLine.text("ERR \(error.message)"))
            }
        }.whenComplete { [self] result in
            switch result {
            case .success(let response): exchange.respond(response)
            case .failure(let error): self.fail(exchange, error: error)
            }
        }
    }

    /// The owner token from `Authorization: Basic` (any user name, the token as password) or `Bearer`.
    static func gitToken(_ headers: HTTPHeaders) -> String? {
        guard let value = headers.first(name: "Authorization") else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        switch parts[0].lowercased() {
        case "bearer":
            return parts[1].trimmingCharacters(in: .whitespaces)
        case "basic":
            guard let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
                return nil
            }
            let text = String(decoding: data, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { return nil }
            return String(text[text.index(after: colon)...])
        default:
            return nil
        }
    }

    static var gitUnauthorized: Response {
        var response = Response.text(
            .unauthorized,
            "an owner token is required: use it as the password (any user name), or send Authorization: Bearer <token>\n"
        )
        response.headers.add(name: "WWW-Authenticate", value: "Basic realm=\"fazt\"")
        return response
    }

    /// Runs off the event loop: the advertisement, an upload-pack answer or a push.
    private static func gitAnswer(
        services: ServerServices,
        app: String,
        path: String,
        query: String?,
        head: HTTPRequestHead,
        body: ByteBuffer,
        grant: TokenInfo
    ) throws -> Response {
        switch (head.method, path) {
        case (.GET, "/info/refs"):
            let service = (query ?? "").split(separator: "&").first { $0.hasPrefix("service=") }?.dropFirst(8)
            guard let service, service == "git-upload-pack" || service == "git-receive-pack" else {
                return .text(
                    .forbidden,
                    "fazt speaks the smart protocol only: ?service=git-upload-pack or git-receive-pack\n"
                )
            }
            let refs = try services.vfs.withGitStore(app: app) { try $0.refs() }
            return gitResponse(String(service) + "-advertisement", advertisement(service: String(service), refs: refs))
        case (.POST, "/git-upload-pack"):
            let request = try GitUploadRequest.parse(try requestBytes(head: head, body: body))
            let answer = try services.vfs.withGitStore(app: app) { try GitUploadPack.answer(request, store: $0) }
            if let (commit, pack) = answer.cacheable {
                // Later clones of this commit reuse the pack; a failure here only costs the next clone time.
                try? services.vfs.cacheGitPack(app: app, commit: commit, pack: pack)
            }
            return gitResponse("git-upload-pack-result", answer.body)
        case (.POST, "/git-receive-pack"):
            let bytes = try requestBytes(head: head, body: body)
            guard bytes != PktLine.flush else { return gitResponse("git-receive-pack-result", []) }
            return gitResponse(
                "git-receive-pack-result",
                try receive(services: services, app: app, bytes: bytes, grant: grant)
            )
        default:
            return .text(.notFound, "unknown git endpoint \(head.method) \(path)\n")
        }
    }

    private static func receive(
        services: ServerServices,
        app: String,
        bytes: [UInt8],
        grant: TokenInfo
    ) throws -> [UInt8] {
        let request = try GitReceivePack.parse(bytes)
        let supervisor = services.supervisor
        let exists = (try? services.vfs.info(app: app)) != nil
        let outcome = GitReceivePack.run(
            request,
            app: app,
            vfs: services.vfs,
            options: GitPushOptions(allowForce: services.configuration.gitAllowForce),
            checkScripts: { try ScriptChecker.check($0, with: supervisor) },
            authorize: { update in
                // main is the live version (apps:deploy); other branches are previews (apps:write).
                let scope: TokenScope = update.ref == GitHistory.mainRef ? .appsDeploy : .appsWrite
                if !grant.allows(scope, app: app) {
                    return "insufficient scope: pushing \(update.ref) needs \(scope.rawValue)"
                }
                if !exists, !grant.allows(.appsCreate, app: app) {
                    return "insufficient scope: creating the app \(app) needs apps:create"
                }
                return nil
            },
            appURL: services.appURL(app),
            previewURL: { version in
                services.previewURL(app: app, version: version, expiresAt: Int64(Date().timeIntervalSince1970) + 86_400)
            }
        )
        for (_, result) in outcome.results {
            guard result.live, let version = result.version else { continue }
            // Before the reply: the first request after `git push` exits must see the new version.
            services.catalog.invalidate(app)
            services.scheduler.refresh(app: app)
            Task { await supervisor.warm(app: app, version: version) }
            // A moment later, so building the clone pack does not compete with the requests that
            // follow a push (the first GET of the new version) for the CPU.
            let vfs = services.vfs
            let pool = services.threadPool
            DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + 0.5) {
                GitPackCache.refresh(app: app, vfs: vfs, pool: pool, onlyIfUsed: false)
            }
        }
        return outcome.body
    }

    /// The request body, inflated when git sent it gzip-encoded.
    private static func requestBytes(head: HTTPRequestHead, body: ByteBuffer) throws -> [UInt8] {
        let bytes = Array(body.readableBytesView)
        guard head.headers.first(name: "Content-Encoding")?.lowercased() == "gzip" else { return bytes }
        guard let inflated = Gzip.decompress(bytes, limit: 1 << 30) else {
            throw GitProtocolError("the gzip-encoded request body is corrupt")
        }
        return inflated
    }

    static func advertisement(service: String, refs: [(name: String, id: GitObjectID)]) -> [UInt8] {
        var out = PktLine.text("# service=\(service)") + PktLine.flush
        let main = refs.first { $0.name == "refs/heads/main" }
        var capabilities =
            service == "git-upload-pack" ? GitUploadPack.capabilities : GitReceivePack.capabilities
        if service == "git-upload-pack", main != nil { capabilities += " symref=HEAD:refs/heads/main" }
        capabilities += " agent=fazt/1"
        var lines: [(String, GitObjectID)] = []
        if let main, service == "git-upload-pack" { lines.append(("HEAD", main.id)) }
        lines.append(contentsOf: refs.map { ($0.name, $0.id) })
        if lines.isEmpty {
            out += PktLine.data(Array("\(String(repeating: "0", count: 40)) capabilities^{}\0\(capabilities)\n".utf8))
        }
        for (index, (name, id)) in lines.enumerated() {
            let text = index == 0 ? "\(id.hex) \(name)\0\(capabilities)\n" : "\(id.hex) \(name)\n"
            out += PktLine.data(Array(text.utf8))
        }
        return out + PktLine.flush
    }

    static func gitResponse(_ type: String, _ body: [UInt8]) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-\(type)")
        headers.add(name: "Cache-Control", value: "no-cache, max-age=0, must-revalidate")
        return Response(status: .ok, headers: headers, body: ByteBuffer(bytes: body))
    }
}
