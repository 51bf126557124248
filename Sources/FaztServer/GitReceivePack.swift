import FaztGit
import FaztVFS

/// Answers receive-pack (push) for one app: reads the commands and the pack, applies each ref update
/// as a validated deploy (`VFS.applyGitPush`), and reports `ok`/`ng` per ref with `remote:` lines.
enum GitReceivePack {
    static let capabilities = "report-status delete-refs side-band-64k ofs-delta quiet"

    /// A parsed push: its ref updates, capabilities, and the pack bytes after the commands.
    struct Request {
        var updates: [GitRefUpdate] = []
        var capabilities: Set<String> = []
        var pack: ArraySlice<UInt8> = []
    }

    /// What the push did to each ref, for the server to act on (refresh caches, build the clone pack).
    struct Outcome {
        var body: [UInt8]
        var results: [(update: GitRefUpdate, result: GitPushResult)]
    }

    static func parse(_ bytes: [UInt8]) throws -> Request {
        var request = Request()
        var reader = PktLineReader(bytes)
        while let packet = try reader.next() {
            guard case .data(var payload) = packet else { break }
            if payload.last == UInt8(ascii: "\n") { payload.removeLast() }
            if let nul = payload.firstIndex(of: 0) {
                let caps = String(decoding: payload[(nul + 1)...], as: UTF8.self)
                request.capabilities.formUnion(caps.split(separator: " ").map(String.init))
                payload.removeSubrange(nul...)
            }
            let words = String(decoding: payload, as: UTF8.self).split(separator: " ").map(String.init)
            if words.first == "shallow" { continue }
            guard words.count == 3, let old = GitObjectID(hex: words[0]), let new = GitObjectID(hex: words[1]) else {
                throw GitProtocolError("malformed push command")
            }
            request.updates.append(
                GitRefUpdate(ref: words[2], old: old.isZero ? nil : old, new: new.isZero ? nil : new)
            )
        }
        request.pack = reader.remaining
        return request
    }

    /// Runs the push; `previewURL` names the link printed for a branch's preview version.
    static func run(
        _ request: Request,
        app: String,
        vfs: VFS,
        options: GitPushOptions,
        checkScripts: @escaping ([(path: String, source: String)]) throws -> Void,
        appURL: String,
        previewURL: (Int) -> String
    ) -> Outcome {
        var messages: [String] = []
        var lines: [String] = []
        var results: [(GitRefUpdate, GitPushResult)] = []
        var objects: [GitObjectID: GitObject] = [:]
        var visible = GitWalk.Result()
        var unpackError: String?
        do {
            visible = try vfs.withGitStore(app: app) { try $0.reachable() }
            if request.updates.contains(where: { $0.new != nil }) || !request.pack.isEmpty {
                let seen = visible
                var reader = PackReader(base: { id in
                    guard seen.contains(id) else { return nil }
                    return try vfs.withGitStore(app: app) { try $0.object(id) }
                })
                try reader.feed(request.pack)
                for object in try reader.finish() { objects[object.id] = object }
            }
        } catch {
            unpackError = "\(error)"
            messages.append("fazt: the pack was refused: \(error)")
        }
        for update in request.updates {
            if let unpackError {
                lines.append("ng \(update.ref) unpacker error: \(unpackError)")
                continue
            }
            do {
                let result = try vfs.applyGitPush(
                    app: app,
                    update: update,
                    objects: objects,
                    visible: visible,
                    options: options,
                    checkScripts: checkScripts
                )
                lines.append("ok \(update.ref)")
                results.append((update, result))
                if let version = result.version {
                    if result.live {
                        messages.append("fazt: deployed \(app) version \(version), live at \(appURL)")
                    } else {
                        let branch = update.ref.dropFirst("refs/heads/".count)
                        messages.append("fazt: preview of \(branch) (version \(version)): \(previewURL(version))")
                    }
                }
            } catch let rejection as GitPushRejection {
                lines.append("ng \(update.ref) \(rejection.reason)")
                let detail = rejection.detail ?? rejection.reason
                messages.append(contentsOf: detail.split(separator: "\n").map { "fazt: \($0)" })
            } catch {
                lines.append("ng \(update.ref) \(error)")
                messages.append("fazt: \(error)")
            }
        }
        var report = PktLine.text(unpackError.map { "unpack \($0)" } ?? "unpack ok")
        for line in lines { report += PktLine.text(String(line.prefix(PktLine.maxPayload - 200))) }
        report += PktLine.flush
        guard request.capabilities.contains("side-band-64k") else { return Outcome(body: report, results: results) }
        var body: [UInt8] = []
        if !request.capabilities.contains("quiet") || !messages.isEmpty {
            for message in messages { body += Sideband.progressMessage(message) }
        }
        body += Sideband.packets(band: Sideband.dataBand, report)
        body += PktLine.flush
        return Outcome(body: body, results: results)
    }
}

extension GitObjectID {
    /// The all-zero id git uses for "no object" (a ref created or deleted).
    var isZero: Bool { bytes.allSatisfy { $0 == 0 } }
}
