/// A validated dot path into a document (`"address.city"`, `"tags.0"`).
///
/// Only validated paths ever reach SQL text (as a JSON path literal such as `'$."address"."city"'`);
/// every value is a bound parameter.
public struct FieldPath: Hashable, Sendable {
    public enum Segment: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public let segments: [Segment]
    public let text: String

    /// Parses `text`; segments are 1–64 of `[A-Za-z0-9_-]` (digits alone index an array), up to 16 deep.
    public init(_ text: String) throws(StorageError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !text.isEmpty, parts.count <= 16 else { throw FieldPath.invalid(text) }
        var segments: [Segment] = []
        for part in parts {
            guard (1...64).contains(part.utf8.count),
                part.utf8.allSatisfy({ byte in
                    (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                        || byte == 0x5F || byte == 0x2D
                })
            else { throw FieldPath.invalid(text) }
            if part.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let index = Int(part), !segments.isEmpty {
                segments.append(.index(index))
            } else {
                segments.append(.key(String(part)))
            }
        }
        self.segments = segments
        self.text = text
    }

    static func invalid(_ text: String) -> StorageError {
        StorageError(
            .invalidQuery,
            "invalid field name \(JSONValue.quoted(String(text.prefix(80)))): use letters, digits, _ and -, separated by dots"
        )
    }

    /// The SQLite JSON path as an SQL string literal, such as `'$."a"[0]'`.
    ///
    /// Safe to splice: it holds validated characters only.
    public var sqlLiteral: String {
        var path = "$"
        for segment in segments {
            switch segment {
            case .key(let key): path += ".\"\(key)\""
            case .index(let index): path += "[\(index)]"
            }
        }
        return "'\(path)'"
    }

    /// `json_extract(data, '<path>')`, the expression indexes are built on.
    public var extract: String { "json_extract(data, \(sqlLiteral))" }

    public var type: String { "json_type(data, \(sqlLiteral))" }

    /// Whether this is the document's own `id`, which lives in an indexed column too.
    var isID: Bool { segments == [.key("id")] }
}

extension JSONValue {
    /// The value at `path`, if present.
    func value(at path: FieldPath) -> JSONValue? {
        var current = self
        for segment in path.segments {
            switch (segment, current) {
            case (.key(let key), .object):
                guard let next = current[key] else { return nil }
                current = next
            case (.index(let index), .array(let items)):
                guard index < items.count else { return nil }
                current = items[index]
            default: return nil
            }
        }
        return current
    }

    /// Sets (or with nil removes) the value at `path`, creating intermediate objects as needed.
    mutating func set(_ path: FieldPath, _ value: JSONValue?) {
        set(path.segments[...], value)
    }

    private mutating func set(_ segments: ArraySlice<FieldPath.Segment>, _ value: JSONValue?) {
        guard let first = segments.first else {
            if let value { self = value }
            return
        }
        let rest = segments.dropFirst()
        switch (first, self) {
        case (.index(let index), .array(var items)):
            if index < items.count {
                if rest.isEmpty && value == nil {
                    items.remove(at: index)
                } else {
                    items[index].set(rest, value)
                }
            } else if index == items.count, let value {
                var child = JSONValue.object([])
                child.set(rest, value)
                items.append(rest.isEmpty ? value : child)
            }
            self = .array(items)
        default:
            let key: String
            switch first {
            case .key(let name): key = name
            case .index(let index): key = String(index)
            }
            var members: [(String, JSONValue)]
            if case .object(let existing) = self { members = existing } else { members = [] }
            if let position = members.firstIndex(where: { $0.0 == key }) {
                if rest.isEmpty && value == nil {
                    members.remove(at: position)
                } else {
                    members[position].1.set(rest, value)
                }
            } else if let value {
                var child = JSONValue.object([])
                child.set(rest, value)
                members.append((key, rest.isEmpty ? value : child))
            }
            self = .object(members)
        }
    }
}
