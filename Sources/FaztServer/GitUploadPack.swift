import FaztGit
import FaztVFS

/// Answers upload-pack (clone and fetch) for one app, seeing only objects reachable from that app's refs.
enum GitUploadPack {
    static let capabilities = "multi_ack_detailed no-done side-band-64k side-band ofs-delta shallow no-progress"

    /// The answer to one stateless request, and the full pack to cache when it was a plain clone of `main`.
    struct Answer {
        var body: [UInt8]
        var cacheable: (commit: GitObjectID, pack: [UInt8])?
    }

    static func answer(_ request: GitUploadRequest, store: GitObjectStore) throws -> Answer {
        var out: [UInt8] = []
        guard !request.wants.isEmpty else { return Answer(body: []) }
        let refs = try store.refs()
        let visible = try commitAncestry(from: store.tips(), store: store)
        for want in request.wants where !visible.contains(want) {
            return Answer(body: PktLine.text("ERR upload-pack: not our ref \(want.hex)"))
        }
        let common = request.haves.filter { visible.contains($0) }
        let detailed = request.capabilities.contains("multi_ack_detailed")
        // The shallow section comes first in every stateless round (git re-reads it each time).
        var boundary = Set(request.shallows)
        var tips = request.wants
        if let depth = request.depth {
            let (shallow, unshallow) = try shallowBoundary(
                wants: request.wants,
                depth: depth,
                client: boundary,
                store: store
            )
            for id in shallow.sorted() { out += PktLine.text("shallow \(id.hex)") }
            for id in unshallow.sorted() { out += PktLine.text("unshallow \(id.hex)") }
            out += PktLine.flush
            boundary.subtract(unshallow)
            // The client has an unshallowed commit but not its parents: those start new walks.
            for id in unshallow.sorted() {
                if let object = try store.object(id) { tips += try GitCommitInfo.parse(object.body).parents }
            }
            boundary.formUnion(shallow)
        }
        // Negotiation as git's upload-pack does it: haves we share are acknowledged (`common`), and
        // `ready` tells a multi_ack_detailed client that every want already meets common history.
        if !request.done, !request.endsRound { return Answer(body: out) }
        let ready = try !common.isEmpty && readyToGiveUp(wants: request.wants, common: Set(common), store: store)
        var sentReady = false
        for have in request.haves {
            if visible.contains(have) {
                if detailed {
                    out += PktLine.text("ACK \(have.hex) common")
                } else if have == common.first {
                    out += PktLine.text("ACK \(have.hex)")
                }
            } else if detailed, ready {
                out += PktLine.text("ACK \(have.hex) ready")
                sentReady = true
            }
        }
        if request.done {
            if let last = common.last {
                if detailed { out += PktLine.text("ACK \(last.hex)") }
            } else {
                out += PktLine.text("NAK")
            }
        } else {
            if detailed, ready, let last = common.last, !sentReady {
                out += PktLine.text("ACK \(last.hex) ready")
                sentReady = true
            }
            if common.isEmpty || detailed { out += PktLine.text("NAK") }
            guard request.capabilities.contains("no-done"), sentReady, let last = common.last else {
                return Answer(body: out)
            }
            out += PktLine.text("ACK \(last.hex)")
        }
        let main = refs.first { $0.name == "refs/heads/main" }?.id
        let plainClone =
            common.isEmpty && request.depth == nil && request.shallows.isEmpty && main != nil
            && Set(request.wants) == Set([main].compactMap { $0 })
        var pack: [UInt8]
        var cacheable: (GitObjectID, [UInt8])?
        if plainClone, let main, let cached = try store.cachedPack(for: main) {
            pack = cached
        } else {
            pack = try buildPack(
                wants: tips,
                common: common,
                boundary: boundary,
                client: Set(request.shallows),
                store: store
            )
            if plainClone, let main { cacheable = (main, pack) }
        }
        if request.capabilities.contains("side-band-64k") {
            out += Sideband.packets(band: Sideband.dataBand, pack)
            out += PktLine.flush
        } else if request.capabilities.contains("side-band") {
            out += Sideband.packets(band: Sideband.dataBand, pack, max: 995)
            out += PktLine.flush
        } else {
            out += pack
        }
        pack = []
        return Answer(body: out, cacheable: cacheable)
    }

    /// Whether every want reaches one of the common commits (git's ok_to_give_up).
    static func readyToGiveUp(wants: [GitObjectID], common: Set<GitObjectID>, store: GitObjectStore) throws -> Bool {
        for want in wants {
            var seen = Set<GitObjectID>()
            var pending = [want]
            var found = false
            while let id = pending.popLast(), !found {
                if common.contains(id) {
                    found = true
                    break
                }
                guard seen.insert(id).inserted, let object = try store.object(id), object.type == .commit else {
                    continue
                }
                pending.append(contentsOf: try GitCommitInfo.parse(object.body).parents)
            }
            if !found { return false }
        }
        return true
    }

    /// Every commit reachable from `tips` (parents only, no trees).
    static func commitAncestry(from tips: [GitObjectID], store: GitObjectStore) throws -> Set<GitObjectID> {
        var seen = Set<GitObjectID>()
        var pending = tips
        while let id = pending.popLast() {
            guard seen.insert(id).inserted, let object = try store.object(id), object.type == .commit else { continue }
            pending.append(contentsOf: try GitCommitInfo.parse(object.body).parents)
        }
        return seen
    }

    /// The commits at `depth` from the wants that keep parents (the new shallow boundary), and the
    /// client's shallow commits that now lie above it (unshallow).
    static func shallowBoundary(
        wants: [GitObjectID],
        depth: Int,
        client: Set<GitObjectID>,
        store: GitObjectStore
    ) throws -> (shallow: Set<GitObjectID>, unshallow: Set<GitObjectID>) {
        var shallow = Set<GitObjectID>()
        var unshallow = Set<GitObjectID>()
        var level = wants
        var seen = Set(wants)
        var distance = 1
        while !level.isEmpty {
            var next: [GitObjectID] = []
            for id in level {
                guard let object = try store.object(id), object.type == .commit else { continue }
                let parents = try GitCommitInfo.parse(object.body).parents
                if distance >= depth {
                    if !parents.isEmpty { shallow.insert(id) }
                    continue
                }
                if client.contains(id) { unshallow.insert(id) }
                for parent in parents where seen.insert(parent).inserted { next.append(parent) }
            }
            level = next
            distance += 1
        }
        // A commit the client already has as shallow stays shallow: no need to say it again.
        return (shallow.subtracting(client), unshallow)
    }

    /// A pack of what is reachable from `wants` and not from the common commits the client has.
    static func buildPack(
        wants: [GitObjectID],
        common: [GitObjectID],
        boundary: Set<GitObjectID>,
        client: Set<GitObjectID>,
        store: GitObjectStore
    ) throws -> [UInt8] {
        var exclude = Set<GitObjectID>()
        if !common.isEmpty {
            let had = try GitWalk.reachable(from: common, boundary: client, load: store.object)
            exclude = had.objects.union(had.blobs)
        }
        let walk = try GitWalk.reachable(from: wants, boundary: boundary, exclude: exclude, load: store.object)
        let others = walk.objects.subtracting(walk.commits)
        var writer = PackWriter(objectCount: walk.commits.count + others.count + walk.blobs.count, level: 1)
        var out = writer.header()
        for id in walk.commits + others.sorted() {
            guard let object = try store.object(id) else { throw GitProtocolError("object \(id.hex) vanished") }
            out += writer.append(object)
        }
        for id in walk.blobs.sorted() {
            guard let data = try store.blob(id) else { throw GitProtocolError("blob \(id.hex) vanished") }
            out += writer.append(GitObject(known: id, type: .blob, body: data))
        }
        out += writer.finish()
        return out
    }
}
