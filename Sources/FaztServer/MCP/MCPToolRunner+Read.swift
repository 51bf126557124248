import FaztAPI
import FaztKernel
import FaztScheduler
import FaztStorage
import FaztVFS
import Foundation

/// The read-only tools.
extension MCPToolRunner {
    /// Where a file tool looks: a version (nil: live) or a draft.
    enum FileRef {
        case version(Int?)
        case draft(String)

        var label: String {
            switch self {
            case .version(nil): "live"
            case .version(let number?): "\(number)"
            case .draft(let name): "draft:\(name)"
            }
        }
    }

    func fileRef() throws -> FileRef {
        guard let value = arguments["ref"], value != .null else { return .version(nil) }
        if let number = value.intValue { return .version(number) }
        guard let text = value.stringValue else {
            throw MCPToolError("ref must be \"live\", a version or \"draft:NAME\"")
        }
        if text == "live" || text.isEmpty { return .version(nil) }
        if text.hasPrefix("draft:") { return .draft(String(text.dropFirst(6))) }
        if let number = Int(text.hasPrefix("v") ? String(text.dropFirst()) : text) { return .version(number) }
        throw MCPToolError("ref '\(text)' is not \"live\", a version number or \"draft:NAME\"")
    }

    func appStatus() async throws -> MCPToolResult {
        let app = try app()
        let body = try await control(.GET, "/apps/\(app)")
        let drafts = try await control(.GET, "/apps/\(app)/drafts")
        let store = services.store
        let approvals = services.approvals
        let since = WallClock.nowMilliseconds() - 3_600_000
        let (failed, pending) = try await blocking {
            let failed =
                try store.read { connection in
                    try connection.queryOne(
                        "SELECT COUNT(*) FROM runs WHERE app = ? AND outcome IN ('failed', 'dead') AND started_at >= ?",
                        [.text(app), .integer(since)]
                    ) { $0.int(0) }
                } ?? 0
            return (failed, try approvals.list(app: app, limit: 20))
        }
        let draftSummaries: [JSONValue] =
            if case .array(let items) = drafts["drafts"] ?? .null {
                items.map { draft in
                    let changes: Int = if case .array(let list) = draft["changes"] ?? .null { list.count } else { 0 }
                    return .object([
                        ("draft", draft["draft"] ?? .null), ("base", draft["base"] ?? .null),
                        ("changes", .number(Double(changes))),
                    ])
                }
            } else { [] }
        return MCPToolResult(
            value: .object([
                ("app", .string(app)),
                ("live", body["version"] ?? .null),
                ("url", body["url"] ?? .string(services.appURL(app))),
                ("versions", body["versions"] ?? .number(0)),
                ("drafts", .array(draftSummaries)),
                ("failedRunsLastHour", .number(Double(failed))),
                ("approvals", Self.encoded(pending)),
            ])
        )
    }

    func filesList() async throws -> MCPToolResult {
        let app = try app()
        let ref = try fileRef()
        let vfs = services.vfs
        let files: [JSONValue] = try await blocking {
            switch ref {
            case .version(let number):
                let snapshot = try number.map { try vfs.snapshot(app: app, version: $0) } ?? vfs.snapshot(app: app)
                guard let snapshot else {
                    throw MCPToolError(
                        number.map { "\(app) has no version \($0) (see versions_list)" }
                            ?? "\(app) has no live version yet: write files to a draft, commit and deploy"
                    )
                }
                return snapshot.files.sorted { $0.key < $1.key }.map { path, entry in
                    .object([
                        ("path", .string(path)), ("size", .number(Double(entry.size))),
                        ("sha256", .string(entry.hash.hex)),
                    ])
                }
            case .draft(let name):
                let draft = try vfs.draft(app: app, name: name)
                var files: [String: JSONValue] = [:]
                if let base = draft.base, let snapshot = try vfs.snapshot(app: app, version: base) {
                    for (path, entry) in snapshot.files {
                        files[path] = .object([
                            ("path", .string(path)), ("size", .number(Double(entry.size))),
                            ("sha256", .string(entry.hash.hex)),
                        ])
                    }
                }
                for change in draft.changes {
                    if change.change == .deleted {
                        files[change.path] = nil
                    } else {
                        files[change.path] = .object([
                            ("path", .string(change.path)), ("size", .number(Double(change.size ?? 0))),
                            ("change", .string(change.change.rawValue)),
                        ])
                    }
                }
                return files.sorted { $0.key < $1.key }.map(\.value)
            }
        }
        return MCPToolResult(value: .object([("ref", .string(ref.label)), ("files", .array(files))]))
    }

    /// Largest file `files_read` returns.
    static let maxReadBytes = 1 << 20

    func filesRead() async throws -> MCPToolResult {
        let app = try app()
        let path = try string("path")
        let ref = try fileRef()
        let vfs = services.vfs
        let (entry, data): (FileEntry, [UInt8]) = try await blocking {
            switch ref {
            case .version(let number):
                let snapshot = try number.map { try vfs.snapshot(app: app, version: $0) } ?? vfs.snapshot(app: app)
                guard let snapshot else { throw MCPToolError("\(app) has no version \(ref.label) (see versions_list)") }
                let clean = path.hasPrefix("/") ? String(path.dropFirst()) : path
                guard let entry = snapshot.files[clean], let blob = try vfs.blob(entry.hash) else {
                    throw MCPToolError("version \(snapshot.version) of \(app) has no file '\(clean)' (see files_list)")
                }
                return (entry, blob.data)
            case .draft(let name):
                let (entry, content) = try vfs.draftFile(app: app, draft: name, path: path)
                return (entry, content.data)
            }
        }
        guard data.count <= Self.maxReadBytes else {
            throw MCPToolError("'\(path)' is \(data.count) bytes; files_read returns files up to 1 MB")
        }
        let text = data.contains(0) ? nil : String(validating: data, as: UTF8.self)
        return MCPToolResult(
            value: .object([
                ("path", .string(path)), ("size", .number(Double(entry.size))), ("sha256", .string(entry.hash.hex)),
                ("encoding", .string(text == nil ? "base64" : "utf8")),
                ("content", .string(text ?? Data(data).base64EncodedString())),
            ])
        )
    }

    func diff() async throws -> MCPToolResult {
        let app = try app()
        let from = try versionText("from")
        let to = try versionText("to")
        let body = try await control(.GET, "/apps/\(app)/versions/\(from)...\(to)/diff")
        // Whole diffs can be large: cap what lands in the agent's context.
        var value = body
        if value.text.utf8.count > 200_000 {
            value = .object([
                ("from", body["from"] ?? .null), ("to", body["to"] ?? .null),
                ("truncated", .bool(true)),
                ("files", .array([])),
                ("note", .string("the diff is over 200 KB: compare single files with files_read")),
            ])
        }
        return MCPToolResult(value: value)
    }

    func versionText(_ name: String) throws -> String {
        if let number = try? optionalInt(name) { return String(number) }
        let text = try string(name)
        guard text == "live" else { throw MCPToolError("\(name) must be a version number or \"live\"") }
        return text
    }

    func logsRead() async throws -> MCPToolResult {
        let app = try app()
        let limit = min(max(try optionalInt("limit") ?? 100, 1), 1000)
        let after = try optionalInt("after")
        if let version = try optionalInt("version") {
            let namespace = AppName.previewLabel(app: app, version: version)
            let logs = services.logs
            let entries = try await blocking {
                try logs.read(app: namespace, after: after.map(Int64.init), limit: limit)
            }
            return MCPToolResult(value: .object([("logs", Self.encoded(entries))]))
        }
        var query = "limit=\(limit)"
        if let after { query += "&after=\(after)" }
        let body = try await control(.GET, "/apps/\(app)/logs", query: query)
        return MCPToolResult(value: .object([("logs", body["logs"] ?? .array([]))]))
    }

    func runsList() async throws -> MCPToolResult {
        let app = try app()
        let limit = min(max(try optionalInt("limit") ?? 50, 1), 1000)
        let kind = try optionalString("kind")
        if let kind, RunLog.kind(named: kind) == nil { throw MCPToolError("kind must be \(RunLog.kindList)") }
        if let version = try optionalInt("version") {
            let namespace = AppName.previewLabel(app: app, version: version)
            let store = services.store
            let runs = try await blocking {
                try store.read {
                    try RunLog.list(
                        $0,
                        app: namespace,
                        kind: kind.flatMap(RunLog.kind(named:)),
                        limit: limit,
                        before: nil
                    )
                }
            }
            return MCPToolResult(value: .object([("runs", Self.encoded(runs.map(RunBody.init)))]))
        }
        var query = "limit=\(limit)"
        if let kind { query += "&kind=\(kind)" }
        let body = try await control(.GET, "/apps/\(app)/runs", query: query)
        return MCPToolResult(value: .object([("runs", body["runs"] ?? .array([]))]))
    }
}
