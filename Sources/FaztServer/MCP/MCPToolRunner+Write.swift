import FaztAPI
import FaztKernel
import FaztStorage
import FaztVFS
import Foundation

/// The tools that change something: drafts, versions, the live pointer, data.
extension MCPToolRunner {
    func appCreate() async throws -> MCPToolResult {
        let name = try string("name").lowercased()
        try requireReach(name)
        do {
            _ = try AppName.validate(name)
        } catch {
            throw MCPToolError(error.message)
        }
        let vfs = services.vfs
        let created = try await blocking { try vfs.createApp(name) }
        services.catalog.invalidate(name)
        return MCPToolResult(
            value: .object([
                ("app", .string(name)), ("created", .bool(created)), ("url", .string(services.appURL(name))),
            ])
        )
    }

    func draftName() throws -> String { try optionalString("draft") ?? "main" }

    func filesWrite() async throws -> MCPToolResult {
        let app = try app()
        let draft = try draftName()
        let path = try string("path")
        let content = try string("content")
        let encoding = try optionalString("encoding") ?? "utf8"
        let bytes: [UInt8]
        switch encoding {
        case "utf8": bytes = Array(content.utf8)
        case "base64":
            guard let data = Data(base64Encoded: content) else { throw MCPToolError("content is not valid base64") }
            bytes = Array(data)
        default: throw MCPToolError("encoding must be utf8 or base64")
        }
        if let expected = try optionalString("expectedHash") {
            let vfs = services.vfs
            let current: String? = try await blocking {
                do {
                    return try vfs.draftFile(app: app, draft: draft, path: path).0.hash.hex
                } catch let error as VFSError where error.code == .notFound {
                    // No such draft yet: the file as the live version has it.
                    if let snapshot = try vfs.snapshot(app: app),
                        let entry = snapshot.files[path.hasPrefix("/") ? String(path.dropFirst()) : path]
                    {
                        return entry.hash.hex
                    }
                    return nil
                }
            }
            guard current == expected.lowercased() else {
                throw MCPToolError(
                    "'\(path)' changed: its sha256 is \(current ?? "none (no such file)"), not \(expected); "
                        + "read it again (files_read ref draft:\(draft)) and redo the edit"
                )
            }
        }
        let body = try await control(
            .PUT,
            "/apps/\(app)/drafts/\(Self.segment(draft))/files/\(Self.pathSegments(path))",
            raw: bytes
        )
        return MCPToolResult(
            value: .object([
                ("path", body["path"] ?? .string(path)), ("size", .number(Double(bytes.count))),
                ("sha256", .string(ContentHash(of: bytes).hex)), ("draft", .string(draft)),
            ])
        )
    }

    func filesDelete() async throws -> MCPToolResult {
        let app = try app()
        let draft = try draftName()
        let path = try string("path")
        let body = try await control(
            .DELETE,
            "/apps/\(app)/drafts/\(Self.segment(draft))/files/\(Self.pathSegments(path))"
        )
        return MCPToolResult(
            value: .object([
                ("path", body["path"] ?? .string(path)), ("deleted", .bool(true)), ("draft", .string(draft)),
            ])
        )
    }

    func commit() async throws -> MCPToolResult {
        let app = try app()
        let draft = try draftName()
        var request: [(String, JSONValue)] = [("deploy", .bool(false))]
        if let message = try optionalString("message") { request.append(("message", .string(message))) }
        if let parent = try optionalInt("expectedParent") {
            request.append(("expectedParent", .number(Double(parent))))
        }
        let body = try await control(.POST, "/apps/\(app)/drafts/\(Self.segment(draft))/commit", body: .object(request))
        guard let version = body["version"]?.intValue else { throw MCPToolError("the commit answered no version") }
        let link = try await control(.GET, "/apps/\(app)/versions/\(version)/preview")
        return MCPToolResult(
            value: .object([
                ("app", .string(app)), ("version", .number(Double(version))),
                ("previewUrl", link["url"] ?? .null), ("files", body["files"] ?? .null),
            ])
        )
    }

    /// The live version of `app` now (nil when none).
    func liveVersion(_ app: String) async throws -> Int? {
        let body = try await control(.GET, "/apps/\(app)")
        return body["version"]?.intValue
    }

    func deploy() async throws -> MCPToolResult {
        let app = try app()
        let version = try int("version")
        let key = try optionalString("idempotencyKey").map { "\(token.id)\u{0}\(app)\u{0}\($0)" }
        if let key, let answer = services.mcpIdempotency.answer(for: key) {
            return MCPToolResult(value: answer, audit: "ok (idempotent replay)")
        }
        let answer = try await moveLive(app: app, to: version)
        if let key { services.mcpIdempotency.remember(answer, for: key) }
        return MCPToolResult(value: answer)
    }

    func rollback() async throws -> MCPToolResult {
        let app = try app()
        let live = try await liveVersion(app)
        var target = try optionalInt("to")
        if target == nil {
            let list = try await control(.GET, "/apps/\(app)/versions")
            let numbers: [Int] =
                if case .array(let items) = list["versions"] ?? .null {
                    items.compactMap { $0["version"]?.intValue }
                } else { [] }
            target = numbers.filter { $0 < (live ?? Int.max) }.max()
        }
        guard let target else {
            throw MCPToolError("\(app) has no version before \(live.map(String.init) ?? "none") to roll back to")
        }
        return MCPToolResult(value: try await moveLive(app: app, to: target))
    }

    /// Makes `version` live after checking `expectedLive`.
    private func moveLive(app: String, to version: Int) async throws -> JSONValue {
        let live = try await liveVersion(app)
        if let expected = try optionalInt("expectedLive"), expected != live {
            throw MCPToolError(
                "live is version \(live.map(String.init) ?? "none"), not \(expected): someone deployed meanwhile; "
                    + "check app_status and decide again"
            )
        }
        let body = try await control(
            .POST,
            "/apps/\(app)/rollback",
            body: .object([("version", .number(Double(version)))])
        )
        return .object([
            ("app", .string(app)), ("live", body["version"] ?? .number(Double(version))),
            ("previous", live.map { .number(Double($0)) } ?? .null), ("url", body["url"] ?? .null),
        ])
    }

    /// Where an owner approves: the control host's approval page.
    func approvalURL(_ id: String) -> String {
        let port = services.boundPort
        return "http://\(services.configuration.domain)\(port == 80 ? "" : ":\(port)")/_fazt/approve/\(id)"
    }

    /// True when the control API has no such route (404 naming no route, or 405 for the path).
    static func routeMissing(_ response: Response) -> Bool {
        let message = MCPServer.message(from: response)
        return (response.status == .notFound && message.hasPrefix("no control API route"))
            || response.status == .methodNotAllowed
    }

    /// The answer when the restore-point routes (branch `restore`) are not in this build.
    private func unavailable(_ response: Response) -> MCPToolError {
        MCPToolError("data restore points are not available on this server: \(MCPServer.message(from: response))")
    }

    func dataSnapshot() async throws -> MCPToolResult {
        let app = try app()
        var body: [(String, JSONValue)] = []
        if let name = try optionalString("name") { body.append(("name", .string(name))) }
        // A restore point changes nothing: apps:deploy may make one (the route itself is storage:admin).
        let owner = TokenInfo(id: token.id, name: token.name, createdAt: token.createdAt)
        let response = try await controlResponse(.POST, "/apps/\(app)/snapshots", body: .object(body), as: owner)
        guard response.status.code < 400 else {
            if Self.routeMissing(response) { throw unavailable(response) }
            throw MCPToolError(MCPServer.message(from: response))
        }
        let value = response.body.flatMap { try? JSONValue.decode(Array($0.readableBytesView)) } ?? .object([])
        return MCPToolResult(value: value)
    }

    func dataRestore() async throws -> MCPToolResult {
        let app = try app()
        var body: [(String, JSONValue)] = []
        if let snapshot = try optionalString("snapshot") { body.append(("snapshot", .string(snapshot))) }
        if let version = try optionalInt("version") { body.append(("version", .number(Double(version)))) }
        if let seq = try optionalInt("seq") { body.append(("seq", .number(Double(seq)))) }
        guard !body.isEmpty else { throw MCPToolError("name what to restore to: snapshot, version or seq") }
        if let data = try optionalBool("data") { body.append(("data", .bool(data))) }
        if let code = try optionalBool("code") { body.append(("code", .bool(code))) }
        let request = JSONValue.object(body)
        guard token.allows(.storageAdmin, app: app) else {
            // Irreversible: a human decides, out of the model's reach.
            let approval = try await services.approvals.request(
                token: token.name,
                app: app,
                action: "data_restore",
                arguments: request.text
            )
            return MCPToolResult(
                value: .object([
                    ("status", .string("pending_approval")), ("approval", .string(approval.id)),
                    ("approveUrl", .string(approvalURL(approval.id))),
                    ("command", .string("fazt approve \(approval.id)")),
                    (
                        "next",
                        .string(
                            "ask the owner to approve; then poll app_status, whose approvals list shows the outcome"
                        )
                    ),
                ]),
                audit: "pending_approval \(approval.id)"
            )
        }
        let response = try await controlResponse(.POST, "/apps/\(app)/restore", body: request)
        guard response.status.code < 400 else {
            if Self.routeMissing(response) { throw unavailable(response) }
            throw MCPToolError(MCPServer.message(from: response))
        }
        let value = response.body.flatMap { try? JSONValue.decode(Array($0.readableBytesView)) } ?? .object([])
        var members = value.members
        members.insert(("status", .string("restored")), at: 0)
        return MCPToolResult(value: .object(members))
    }
}
