import FaztGit

/// What `GitFetch.fetch` brought back.
public struct GitFetchResult: Sendable {
    /// The full name of the ref that was fetched (`refs/heads/main`).
    public var ref: String
    /// The commit it points at.
    public var commit: GitObjectID
    /// Objects received (empty when the commit was already here).
    public var objects: [GitObject]
    /// Lines the remote printed on side-band channel 2.
    public var messages: [String]
}

/// `fazt git pull`'s transfer: fetches one ref's commit and the objects we lack (protocol v0).
public enum GitFetch {
    /// Fetches `ref` of `remote` (its `HEAD` branch when nil); `lookup` reads local objects, for the
    /// `have` lines and thin-pack bases; `haves` are local commits to offer, newest first.
    public static func fetch(
        from remote: GitRemote,
        ref requested: String?,
        haves: [GitObjectID],
        maxObjectBytes: Int,
        lookup: @escaping (GitObjectID) throws -> GitObject?
    ) throws -> GitFetchResult {
        let advertisement = try remote.discover("git-upload-pack")
        let (ref, commit) = try resolve(requested, in: advertisement, url: remote.url)
        if try lookup(commit) != nil {
            return GitFetchResult(ref: ref, commit: commit, objects: [], messages: [])
        }
        let wanted = ["side-band-64k", "ofs-delta"].filter { advertisement.capabilities.contains($0) }
        let capabilities = (wanted + ["agent=\(GitRemote.agent)"]).joined(separator: " ")
        var body = PktLine.text("want \(commit.hex) \(capabilities)")
        body.append(contentsOf: PktLine.flush)
        for have in haves.prefix(256) { body.append(contentsOf: PktLine.text("have \(have.hex)")) }
        body.append(contentsOf: PktLine.text("done"))
        let response = try remote.rpc("git-upload-pack", body: body)

        var lines = PktLineReader(response)
        var bands = RemoteSideband()
        var pack: ArraySlice<UInt8> = []
        let sideband = wanted.contains("side-band-64k")
        while true {
            if !sideband, lines.remaining.starts(with: Array("PACK".utf8)) {
                // Without side-band the raw pack follows the acknowledgements.
                pack = lines.remaining
                break
            }
            guard let packet = try lines.next() else { break }
            guard case .data(let payload) = packet else {
                if sideband { continue } else { break }
            }
            let text = String(decoding: payload, as: UTF8.self)
            if text.hasPrefix("ERR ") {
                throw GitRemoteError.remote("the remote refused: \(String(text.dropFirst(4)).trimmingTrailingSpace)")
            }
            if text.hasPrefix("NAK") || text.hasPrefix("ACK ") || text.hasPrefix("shallow ") { continue }
            guard sideband else { throw GitRemoteError.protocolError("unexpected line '\(text.prefix(80))'") }
            try bands.take(payload)
        }
        bands.finish()
        if let fatal = bands.fatal { throw GitRemoteError.remote("the remote failed: \(fatal.trimmingTrailingSpace)") }
        if sideband { pack = bands.data[...] }
        var reader = PackReader(limits: PackLimits(maxObjectSize: maxObjectBytes), base: lookup)
        let objects: [GitObject]
        do {
            try reader.feed(pack)
            objects = try reader.finish()
        } catch let error as GitProtocolError {
            throw GitRemoteError.badPack(error.message)
        }
        let target = try peel(commit, in: objects, lookup: lookup)
        return GitFetchResult(ref: ref, commit: target, objects: objects, messages: bands.messages)
    }

    /// The commit `id` names: itself, or what its annotated tag (or a chain of them) points at; the
    /// objects come from the pack or, when the pack left them out because we have them, from `lookup`.
    static func peel(
        _ id: GitObjectID,
        in objects: [GitObject],
        lookup: (GitObjectID) throws -> GitObject?
    ) throws -> GitObjectID {
        var current = id
        for _ in 0..<8 {
            guard let object = try objects.first(where: { $0.id == current }) ?? lookup(current) else {
                throw GitRemoteError.badPack("it lacks the object \(current.hex) that was asked for")
            }
            switch object.type {
            case .commit:
                return current
            case .tag:
                let prefix = Array("object ".utf8)
                guard object.body.count >= 47, Array(object.body[0..<7]) == prefix,
                    let next = GitObjectID(hex: String(decoding: object.body[7..<47], as: UTF8.self))
                else { throw GitRemoteError.badPack("tag \(current.hex) is malformed") }
                current = next
            default:
                throw GitRemoteError.invalidRequest(
                    "\(id.hex) names a \(object.type.rawValue), not a commit: pull a branch or tag"
                )
            }
        }
        throw GitRemoteError.invalidRequest("\(id.hex) is a chain of too many tags")
    }

    /// The ref to fetch: `requested` as given, as a branch or as a tag; else the remote's `HEAD`.
    static func resolve(
        _ requested: String?,
        in advertisement: RemoteAdvertisement,
        url: String
    ) throws(GitRemoteError) -> (String, GitObjectID) {
        let refs = advertisement.refs
        guard let requested, !requested.isEmpty else {
            for name in [advertisement.head, "refs/heads/main", "refs/heads/master"].compactMap({ $0 }) {
                if let id = refs[name] { return (name, id) }
            }
            if let (name, id) = refs.filter({ $0.key.hasPrefix("refs/heads/") }).min(by: { $0.key < $1.key }) {
                return (name, id)
            }
            throw .invalidRequest("\(url) has no branches to pull (is the repository empty?)")
        }
        for name in [requested, "refs/heads/\(requested)", "refs/tags/\(requested)"] {
            if let id = refs[name] { return (name, id) }
        }
        let branches = refs.keys.filter { $0.hasPrefix("refs/heads/") }.map { String($0.dropFirst(11)) }.sorted()
        let known = branches.isEmpty ? "none" : branches.prefix(10).joined(separator: ", ")
        throw .invalidRequest("\(url) has no ref '\(requested)'; its branches: \(known)")
    }
}
