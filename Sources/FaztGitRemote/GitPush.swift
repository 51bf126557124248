import FaztGit

/// What happened to the pushed ref, as git reports it.
public struct GitPushOutcome: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// The remote accepted the update (`ok <ref>`).
        case ok
        /// The remote already had the commit.
        case upToDate = "up-to-date"
        /// Refused here before sending anything (non-fast-forward without force).
        case rejected
        /// The remote refused it (`ng <ref> <reason>` or a failed unpack).
        case remoteRejected = "remote-rejected"
    }

    public var ref: String
    public var status: Status
    public var reason: String?
    /// The remote's id before the push (nil when the ref is new).
    public var old: GitObjectID?
    public var new: GitObjectID
    /// True when the update is not a fast-forward and was sent with force.
    public var forced = false
    /// The `unpack` line of the report (`ok` or the remote's error).
    public var unpack: String?
    /// Lines the remote printed (hooks, progress): git shows them as `remote: …`.
    public var messages: [String] = []
    /// Objects sent in the pack.
    public var objects = 0
}

/// `fazt git push`: sends an app's history to a branch of an external repository.
public enum GitPush {
    /// The zero id, for a ref the remote does not have yet.
    static let zero = String(repeating: "0", count: 40)

    /// Pushes `commit` to `branch` of `remote`; `lookup` reads local objects (nil when absent).
    ///
    /// A non-fast-forward update (including one whose remote tip we do not have) is refused here
    /// unless `force`; every other outcome is the remote's own answer.
    public static func push(
        to remote: GitRemote,
        commit: GitObjectID,
        branch: String,
        force: Bool,
        lookup: (GitObjectID) throws -> GitObject?
    ) throws -> GitPushOutcome {
        let ref = try refName(branch)
        let advertisement = try remote.discover("git-receive-pack")
        let old = advertisement.refs[ref]
        var outcome = GitPushOutcome(ref: ref, status: .ok, old: old, new: commit)
        if old == commit {
            outcome.status = .upToDate
            return outcome
        }
        if let old, try !GitHistoryWalk.isAncestor(old, of: commit, lookup: lookup) {
            guard force else {
                outcome.status = .rejected
                outcome.reason = "non-fast-forward"
                return outcome
            }
            outcome.forced = true
        }
        var haves: [GitObjectID] = []
        for id in Set(advertisement.refs.values) where try lookup(id) != nil { haves.append(id) }
        let objects = try GitHistoryWalk.missing(from: commit, excluding: haves, lookup: lookup)
        outcome.objects = objects.count
        let wanted = ["report-status", "side-band-64k", "ofs-delta"].filter { advertisement.capabilities.contains($0) }
        let capabilities = (wanted + ["agent=\(GitRemote.agent)"]).joined(separator: " ")
        var body = PktLine.data(
            Array("\(old?.hex ?? zero) \(commit.hex) \(ref)".utf8) + [0] + Array("\(capabilities)\n".utf8)
        )
        body.append(contentsOf: PktLine.flush)
        body.append(contentsOf: PackWriter.pack(objects))
        let response = try remote.rpc("git-receive-pack", body: body)
        try read(
            response,
            into: &outcome,
            sideband: wanted.contains("side-band-64k"),
            reportStatus: wanted.contains("report-status")
        )
        return outcome
    }

    /// The full ref name of `branch` (`main` becomes `refs/heads/main`; a `refs/…` name stays).
    ///
    /// Throws for names git would refuse.
    static func refName(_ branch: String) throws(GitRemoteError) -> String {
        let ref = branch.hasPrefix("refs/") ? branch : "refs/heads/\(branch)"
        let bad =
            branch.isEmpty || ref.contains("..") || ref.contains("//") || ref.hasSuffix("/") || ref.hasSuffix(".lock")
            || ref.hasSuffix(".") || ref.contains("@{")
            || ref.unicodeScalars.contains {
                $0.value < 0x21 || $0.value == 0x7F || "~^:?*[\\".unicodeScalars.contains($0)
            }
        guard !bad else {
            throw .invalidRequest("'\(branch)' is not a valid branch name (as in main or feature/x)")
        }
        return ref
    }

    /// Reads the report (inside side-band channel 1 when negotiated) into `outcome`.
    private static func read(
        _ response: [UInt8],
        into outcome: inout GitPushOutcome,
        sideband: Bool,
        reportStatus: Bool
    ) throws {
        var report = response
        if sideband {
            var reader = PktLineReader(response)
            var bands = RemoteSideband()
            while let packet = try reader.next() {
                guard case .data(let payload) = packet else { continue }
                try bands.take(payload)
            }
            bands.finish()
            outcome.messages = bands.messages
            if let fatal = bands.fatal {
                throw GitRemoteError.remote("the remote failed: \(fatal.trimmingTrailingSpace)")
            }
            report = bands.data
        }
        // Without report-status the remote tells nothing more; HTTP 200 is all we know.
        guard reportStatus else { return }
        guard !report.isEmpty else { throw GitRemoteError.protocolError("the remote answered the push with no report") }
        var reader = PktLineReader(report)
        var sawRef = false
        while let packet = try reader.next() {
            guard case .data(let payload) = packet else { continue }
            let line = String(decoding: payload, as: UTF8.self).trimmingTrailingSpace
            if line.hasPrefix("unpack ") {
                let result = String(line.dropFirst("unpack ".count))
                outcome.unpack = result
                if result != "ok" {
                    outcome.status = .remoteRejected
                    outcome.reason = "unpacker error: \(result)"
                }
            } else if line.hasPrefix("ok ") {
                sawRef = true
            } else if line.hasPrefix("ng ") {
                sawRef = true
                let rest = line.dropFirst(3)
                let parts = rest.split(separator: " ", maxSplits: 1)
                outcome.status = .remoteRejected
                outcome.reason = parts.count > 1 ? String(parts[1]) : "rejected"
            } else if line.hasPrefix("ERR ") {
                throw GitRemoteError.remote("the remote refused: \(line.dropFirst(4))")
            }
        }
        if !sawRef && outcome.status == .ok {
            throw GitRemoteError.protocolError("the remote's report names no ref")
        }
    }
}
