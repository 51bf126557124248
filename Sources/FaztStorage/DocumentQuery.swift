import FaztStore

/// Compiles a document query (`{age: {$gt: 30}, $or: [...]}`) into an SQL condition over
/// `docs.data`.
///
/// Field paths are validated (`FieldPath`); every value is a bound parameter.
public struct DocumentQuery {
    /// The condition, for a `WHERE … AND (<sql>)`.
    public private(set) var sql = "1"
    public private(set) var parameters: [SQLiteValue] = []
    private static let maxInItems = 1000

    public init(_ query: JSONValue) throws(StorageError) {
        guard case .object = query else {
            if case .null = query { return }
            throw StorageError(.invalidQuery, "a query must be an object, like {status: \"open\"}")
        }
        sql = try compile(query, depth: 0)
    }

    private mutating func compile(_ query: JSONValue, depth: Int) throws(StorageError) -> String {
        guard depth < 32 else { throw StorageError(.invalidQuery, "the query is nested too deeply") }
        guard case .object(let members) = query else {
            throw StorageError(.invalidQuery, "expected a query object, got \(query.text.prefix(60))")
        }
        var terms: [String] = []
        for (key, value) in members {
            switch key {
            case "$and", "$or":
                guard case .array(let parts) = value, !parts.isEmpty else {
                    throw StorageError(.invalidQuery, "\(key) takes a non-empty array of queries")
                }
                var compiled: [String] = []
                for part in parts { compiled.append(try compile(part, depth: depth + 1)) }
                terms.append("(" + compiled.joined(separator: key == "$and" ? " AND " : " OR ") + ")")
            case "$not":
                terms.append("NOT coalesce((\(try compile(value, depth: depth + 1))), 0)")
            default:
                guard !key.hasPrefix("$") else { throw StorageError(.invalidQuery, "unknown query operator \(key)") }
                terms.append(try field(try FieldPath(key), value, depth: depth))
            }
        }
        return terms.isEmpty ? "1" : terms.joined(separator: " AND ")
    }

    /// The condition for one field: a value (equality) or an object of operators.
    private mutating func field(_ path: FieldPath, _ condition: JSONValue, depth: Int) throws(StorageError) -> String {
        guard case .object(let members) = condition, let first = members.first, first.0.hasPrefix("$") else {
            return equal(path, condition)
        }
        var terms: [String] = []
        for (op, operand) in members {
            switch op {
            case "$eq": terms.append(equal(path, operand))
            case "$ne": terms.append("NOT coalesce(\(equal(path, operand)), 0)")
            case "$gt", "$gte", "$lt", "$lte":
                let symbol = op == "$gt" ? ">" : op == "$gte" ? ">=" : op == "$lt" ? "<" : "<="
                switch operand {
                case .number(let number):
                    parameters.append(Self.bind(number))
                    terms.append("(\(path.type) IN ('integer', 'real') AND \(path.extract) \(symbol) ?)")
                case .string(let text):
                    parameters.append(.text(text))
                    terms.append("(\(path.type) = 'text' AND \(path.extract) \(symbol) ?)")
                default:
                    throw StorageError(.invalidQuery, "\(op) on \(path.text) needs a number or a string")
                }
            case "$in", "$nin":
                guard case .array(let items) = operand, items.count <= Self.maxInItems else {
                    throw StorageError(.invalidQuery, "\(op) takes an array of at most \(Self.maxInItems) values")
                }
                let any = items.isEmpty ? "0" : "(" + items.map { equal(path, $0) }.joined(separator: " OR ") + ")"
                terms.append(op == "$in" ? any : "NOT coalesce(\(any), 0)")
            case "$exists":
                guard case .bool(let exists) = operand else {
                    throw StorageError(.invalidQuery, "$exists takes true or false")
                }
                terms.append("\(path.type) IS \(exists ? "NOT NULL" : "NULL")")
            case "$contains":
                switch operand {
                case .string(let text):
                    parameters.append(contentsOf: [.text(text), .text(text)])
                    terms.append(
                        "(CASE \(path.type) WHEN 'array' THEN EXISTS (SELECT 1 FROM json_each(data, \(path.sqlLiteral)) "
                            + "WHERE json_each.type = 'text' AND json_each.value = ?) WHEN 'text' THEN instr(\(path.extract), ?) > 0 "
                            + "ELSE 0 END)"
                    )
                case .number(let number):
                    parameters.append(Self.bind(number))
                    terms.append(
                        "EXISTS (SELECT 1 FROM json_each(data, \(path.sqlLiteral)) WHERE json_each.type IN ('integer', 'real') "
                            + "AND json_each.value = ?)"
                    )
                default:
                    throw StorageError(.invalidQuery, "$contains on \(path.text) needs a string or a number")
                }
            case "$startsWith":
                guard case .string(let prefix) = operand else {
                    throw StorageError(.invalidQuery, "$startsWith on \(path.text) needs a string")
                }
                parameters.append(contentsOf: [
                    .text(prefix), .text(prefix + "\u{10FFFF}\u{10FFFF}\u{10FFFF}"), .int(prefix.unicodeScalars.count),
                    .text(prefix),
                ])
                terms.append(
                    "(\(path.extract) >= ? AND \(path.extract) < ? AND \(path.type) = 'text' AND substr(\(path.extract), 1, ?) = ?)"
                )
            case "$not":
                terms.append("NOT coalesce(\(try field(path, operand, depth: depth + 1)), 0)")
            default:
                throw StorageError(.invalidQuery, "unknown operator \(op) on \(path.text)")
            }
        }
        return "(" + terms.joined(separator: " AND ") + ")"
    }

    /// Type-exact equality (`1` does not match `"1"` or `true`); `null` matches null or missing.
    private mutating func equal(_ path: FieldPath, _ value: JSONValue) -> String {
        switch value {
        case .null:
            return "\(path.extract) IS NULL"
        case .bool(let flag):
            return "\(path.type) = '\(flag ? "true" : "false")'"
        case .number(let number):
            parameters.append(Self.bind(number))
            return "(\(path.extract) = ? AND \(path.type) IN ('integer', 'real'))"
        case .string(let text):
            parameters.append(.text(text))
            if path.isID { return "id = ?" }
            return "(\(path.extract) = ? AND \(path.type) = 'text')"
        case .array, .object:
            parameters.append(.text(value.text))
            return "(\(path.extract) = json(?) AND \(path.type) IN ('array', 'object'))"
        }
    }

    static func bind(_ number: Double) -> SQLiteValue {
        if number == number.rounded(), abs(number) < 9.2e18 { return .integer(Int64(number)) }
        return .real(number)
    }
}

/// `find` options: `{sort, limit, skip}` (`fields` is applied by the caller).
public struct FindOptions: Sendable {
    public var orderBy = "rowid"
    public var limit = StorageLimits.findLimit
    public var skip = 0

    /// Parses options; `newestFirst` is the default order of the original Fazt's `ds.find`.
    public init(_ options: JSONValue?, newestFirst: Bool = false) throws(StorageError) {
        orderBy = newestFirst ? "rowid DESC" : "rowid"
        guard let options, case .object = options else { return }
        if let limit = options["limit"], case .number(let number) = limit {
            guard number >= 0 else { throw StorageError(.invalidQuery, "limit must not be negative") }
            self.limit = Int(min(number, Double(StorageLimits.findLimit)))
        }
        if let skip = options["skip"], case .number(let number) = skip {
            guard number >= 0 else { throw StorageError(.invalidQuery, "skip must not be negative") }
            self.skip = Int(min(number, 1e12))
        }
        guard let sort = options["sort"] else { return }
        var keys: [(String, Bool)] = []
        switch sort {
        case .string(let text):
            keys.append(text.hasPrefix("-") ? (String(text.dropFirst()), false) : (text, true))
        case .array(let items):
            for item in items {
                guard let text = item.stringValue else {
                    throw StorageError(.invalidQuery, "sort keys must be strings")
                }
                keys.append(text.hasPrefix("-") ? (String(text.dropFirst()), false) : (text, true))
            }
        case .object(let members):
            for (field, direction) in members {
                let descending = direction.numberValue.map { $0 < 0 } ?? (direction.stringValue?.lowercased() == "desc")
                keys.append((field, !descending))
            }
        case .null:
            return
        default:
            throw StorageError(.invalidQuery, "sort must be a field name, an array of them or {field: 1|-1}")
        }
        var terms: [String] = []
        for (field, ascending) in keys {
            terms.append("\(try FieldPath(field).extract) \(ascending ? "ASC" : "DESC")")
        }
        terms.append(orderBy)
        orderBy = terms.joined(separator: ", ")
    }
}
