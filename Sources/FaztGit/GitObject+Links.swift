/// What one stored object points at, for walking history (garbage collection).
public struct GitLinks: Sendable, Equatable {
    /// Trees and commits it names (a commit's tree and parents; a tree's subtrees).
    public var objects: [GitObjectID] = []
    /// Blobs a tree names (file entries; submodule entries, mode 160000, are left out).
    public var blobs: [GitObjectID] = []

    public init() {}

    /// Parses a commit or tree body; a blob, or a body Fazt cannot read, links to nothing.
    public static func of(type: GitObjectType, body: [UInt8]) -> GitLinks {
        switch type {
        case .blob: GitLinks()
        case .commit: ofCommit(body)
        case .tree: ofTree(body)
        case .tag: ofTag(body)
        }
    }

    /// The `tree` and `parent` header lines of a commit.
    private static func ofCommit(_ body: [UInt8]) -> GitLinks {
        var links = GitLinks()
        var start = body.startIndex
        while start < body.endIndex {
            let end = body[start...].firstIndex(of: UInt8(ascii: "\n")) ?? body.endIndex
            if end == start { break }  // the blank line that ends the headers
            let line = String(decoding: body[start..<end], as: UTF8.self)
            for key in ["tree ", "parent "] where line.hasPrefix(key) {
                if let id = GitObjectID(hex: String(line.dropFirst(key.count))) { links.objects.append(id) }
            }
            start = end + 1
        }
        return links
    }

    /// The `object` line of an annotated tag.
    private static func ofTag(_ body: [UInt8]) -> GitLinks {
        var links = GitLinks()
        let prefix = Array("object ".utf8)
        if body.count >= 47, Array(body[0..<7]) == prefix,
            let id = GitObjectID(hex: String(decoding: body[7..<47], as: UTF8.self))
        {
            links.objects.append(id)
        }
        return links
    }

    /// Entries `<mode> <name>\0<20-byte id>` of a tree.
    private static func ofTree(_ body: [UInt8]) -> GitLinks {
        var links = GitLinks()
        var index = body.startIndex
        while index < body.endIndex {
            guard let space = body[index...].firstIndex(of: UInt8(ascii: " ")),
                let nul = body[space...].firstIndex(of: 0), nul + 21 <= body.endIndex,
                let id = GitObjectID(bytes: Array(body[(nul + 1)..<(nul + 21)]))
            else { break }
            let mode = String(decoding: body[index..<space], as: UTF8.self)
            switch mode {
            case "40000", "040000": links.objects.append(id)
            case "160000": break
            default: links.blobs.append(id)
            }
            index = nul + 21
        }
        return links
    }
}
