import FaztJSON

/// Checks a parsed `fazt.json` against the catalogue: unknown keys and wrong types at every level.
extension ManifestSchema {
    /// Throws `badManifest` for the first unknown key (with a suggestion when one is close) or
    /// value of the wrong type, naming its path (`cors.origins`, `schedules[0].cron`).
    public static func check(_ root: JSONValue) throws(VFSError) {
        guard case .object = root else { throw VFSError(.badManifest, "fazt.json must be a JSON object") }
        try check(root, keys: keys, path: "")
    }

    private static func check(_ value: JSONValue, keys: [Key], path: String) throws(VFSError) {
        guard case .object(let members) = value else { return }
        for (name, member) in members {
            let at = path.isEmpty ? name : "\(path).\(name)"
            guard let key = keys.first(where: { $0.name == name }) else {
                let hint = suggestion(for: name, among: keys.map(\.name)).map {
                    " (did you mean \"\(path.isEmpty ? $0 : "\(path).\($0)")\"?)"
                }
                throw VFSError(.badManifest, "fazt.json: unknown key \"\(at)\"\(hint ?? "")")
            }
            try check(member, kind: key.kind, path: at)
        }
    }

    private static func check(_ value: JSONValue, kind: Kind, path: String) throws(VFSError) {
        func wrong() -> VFSError {
            VFSError(.badManifest, "fazt.json: \"\(path)\" must be \(kind.expectation)")
        }
        switch (kind, value) {
        case (.string, .string), (.boolean, .bool):
            return
        case (.integer(let minimum), .number(let number)):
            guard number.rounded() == number, number >= Double(minimum), number <= 1e15 else { throw wrong() }
        case (.choice(let values), .string(let text)):
            guard values.contains(text) else { throw wrong() }
        case (.stringOrStrings, .string):
            return
        case (.stringOrStrings, .array(let items)), (.strings, .array(let items)):
            for item in items {
                guard case .string = item else { throw wrong() }
            }
        case (.object(let keys), .object):
            try check(value, keys: keys, path: path)
        case (.objects(let keys), .array(let items)):
            for (index, item) in items.enumerated() {
                guard case .object = item else {
                    throw VFSError(.badManifest, "fazt.json: \"\(path)[\(index)]\" must be an object")
                }
                try check(item, keys: keys, path: "\(path)[\(index)]")
            }
        case (.named(_, let keys), .object(let members)):
            for (name, member) in members {
                guard case .object = member else {
                    throw VFSError(.badManifest, "fazt.json: \"\(path).\(name)\" must be an object")
                }
                try check(member, keys: keys, path: "\(path).\(name)")
            }
        case (.stringMap, .object(let members)):
            for (name, member) in members {
                guard case .string = member else {
                    throw VFSError(.badManifest, "fazt.json: \"\(path).\(name)\" must be a string")
                }
            }
        case (.scalarMap, .object(let members)):
            for (name, member) in members {
                switch member {
                case .string, .number, .bool, .null: continue
                default:
                    throw VFSError(.badManifest, "fazt.json: \"\(path).\(name)\" must be a string, number or boolean")
                }
            }
        case (.anyObject, .object):
            return
        case (_, .null) where path.split(separator: ".").count == 1 && !path.contains("["):
            // A top-level `null` means "not set" (the scheduler and event bus have always read it so).
            return
        default:
            throw wrong()
        }
    }
}
