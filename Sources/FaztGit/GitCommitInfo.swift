/// Reads the header of a commit body: its tree and parents.
public enum GitCommitInfo {
    /// The `tree` and `parent` lines of a commit; throws when the body is not a commit git would accept.
    public static func parse(_ body: [UInt8]) throws -> (tree: GitObjectID, parents: [GitObjectID]) {
        var tree: GitObjectID?
        var parents: [GitObjectID] = []
        var start = body.startIndex
        while start < body.endIndex {
            let end = body[start...].firstIndex(of: UInt8(ascii: "\n")) ?? body.endIndex
            if end == start { break }
            let line = String(decoding: body[start..<end], as: UTF8.self)
            if line.hasPrefix("tree ") {
                guard tree == nil, parents.isEmpty, let id = GitObjectID(hex: String(line.dropFirst(5))) else {
                    throw GitProtocolError("malformed commit: bad tree line")
                }
                tree = id
            } else if line.hasPrefix("parent ") {
                guard tree != nil, let id = GitObjectID(hex: String(line.dropFirst(7))) else {
                    throw GitProtocolError("malformed commit: bad parent line")
                }
                parents.append(id)
            } else if tree == nil {
                throw GitProtocolError("malformed commit: it does not start with a tree line")
            } else {
                break
            }
            start = end + 1
        }
        guard let tree else { throw GitProtocolError("malformed commit: no tree line") }
        return (tree, parents)
    }

    /// The message of a commit (the text after the first blank line), or "" when there is none.
    public static func message(_ body: [UInt8]) -> String {
        let separator: [UInt8] = [10, 10]
        guard let range = body.firstRange(of: separator) else { return "" }
        return String(decoding: body[range.upperBound...], as: UTF8.self)
    }
}

extension GitTree {
    /// The entries of a tree body, in stored order; throws when the body is malformed.
    public static func entries(_ body: [UInt8]) throws -> [(mode: String, name: String, id: GitObjectID)] {
        var out: [(mode: String, name: String, id: GitObjectID)] = []
        var index = body.startIndex
        while index < body.endIndex {
            guard let space = body[index...].firstIndex(of: UInt8(ascii: " ")),
                let nul = body[space...].firstIndex(of: 0), nul + 21 <= body.endIndex, space > index, nul > space + 1
            else { throw GitProtocolError("malformed tree entry at byte \(index)") }
            let mode = String(decoding: body[index..<space], as: UTF8.self)
            let name = String(decoding: body[(space + 1)..<nul], as: UTF8.self)
            out.append((mode, name, GitObjectID(exactly: body[(nul + 1)..<(nul + 21)])))
            index = nul + 21
        }
        return out
    }
}
