/// One encoded git object: its type, body (without the `type size\0` header) and id.
public struct GitObject: Sendable, Equatable {
    public var type: GitObjectType
    public var body: [UInt8]
    public var id: GitObjectID

    public init(type: GitObjectType, body: [UInt8]) {
        self.type = type
        self.body = body
        self.id = GitObjectID(type: type, body: body)
    }

    /// An object read back from storage under the id it was stored by (not hashed again).
    public init(known id: GitObjectID, type: GitObjectType, body: [UInt8]) {
        self.type = type
        self.body = body
        self.id = id
    }

    /// The bytes git hashes and stores in a loose object (before zlib): `type size\0` then the body.
    public var framed: [UInt8] {
        var out = Array("\(type.rawValue) \(body.count)".utf8)
        out.append(0)
        out.append(contentsOf: body)
        return out
    }

    /// The commit object of a version or rollback; every input is explicit, so the result is deterministic.
    ///
    /// `seconds` is the Unix time for both author and committer (as `Fazt <fazt@localhost>`, `+0000`);
    /// `message` gets a final newline when it lacks one, and NUL bytes (which git refuses) become spaces.
    public static func commit(tree: GitObjectID, parents: [GitObjectID], seconds: Int64, message: String) -> GitObject {
        var text = "tree \(tree.hex)\n"
        for parent in parents { text += "parent \(parent.hex)\n" }
        let signature = "Fazt <fazt@localhost> \(seconds) +0000"
        text += "author \(signature)\ncommitter \(signature)\n\n"
        var body = message.replacingNULs()
        if !body.hasSuffix("\n") { body += "\n" }
        text += body
        return GitObject(type: .commit, body: Array(text.utf8))
    }

    /// The `tree` line of a commit body, or nil when it is not a commit Fazt can read.
    public static func treeOfCommit(_ body: [UInt8]) -> GitObjectID? {
        let prefix = Array("tree ".utf8)
        guard body.count >= 45, Array(body[0..<5]) == prefix else { return nil }
        return GitObjectID(hex: String(decoding: body[5..<45], as: UTF8.self))
    }
}

extension String {
    fileprivate func replacingNULs() -> String {
        guard contains("\0") else { return self }
        return String(map { $0 == "\0" ? " " : $0 })
    }
}
