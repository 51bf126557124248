/// Gives each app its own namespace of SQL tables inside the shared `data.db`.
///
/// Every table, index, view and trigger name an app writes is rewritten to `app_<name>__<table>`;
/// in `FROM`/`JOIN`/`INTO`/`UPDATE` positions the original name is kept as an alias, so
/// `todos.id` still resolves. `SQLAccess` (the authorizer) then denies anything that still names
/// a table outside the prefix, so a statement the rewriter misreads fails instead of escaping.
public struct SQLRewriter {
    public let prefix: String

    public init(app: String) {
        prefix = "app_\(app)__"
    }

    /// Words that may follow a table reference and are not an alias.
    private static let notAlias: Set<String> = [
        "WHERE", "SET", "JOIN", "LEFT", "RIGHT", "FULL", "INNER", "CROSS", "NATURAL", "OUTER", "ON", "USING", "GROUP",
        "ORDER", "LIMIT", "HAVING", "WINDOW", "UNION", "EXCEPT", "INTERSECT", "VALUES", "SELECT", "DEFAULT",
        "RETURNING", "INDEXED", "NOT", "AS", "FROM", "WITH", "OFFSET",
    ]
    private static let deniedStatements: [String: String] = [
        "VACUUM": "VACUUM is not allowed (the server maintains data.db)",
        "ATTACH": "ATTACH is not allowed", "DETACH": "DETACH is not allowed",
        "BEGIN": "transactions are managed by fazt: use fazt.storage.transaction(fn)",
        "COMMIT": "transactions are managed by fazt: use fazt.storage.transaction(fn)",
        "END": "transactions are managed by fazt: use fazt.storage.transaction(fn)",
        "ROLLBACK": "transactions are managed by fazt: use fazt.storage.transaction(fn)",
        "SAVEPOINT": "transactions are managed by fazt: use fazt.storage.transaction(fn)",
        "RELEASE": "transactions are managed by fazt: use fazt.storage.transaction(fn)",
    ]
    /// Keywords that can sit where a name is expected and are never one.
    private static let neverNames: Set<String> = [
        "IF", "EXISTS", "OR", "TEMP", "TEMPORARY", "UNIQUE", "VIRTUAL", "ROLLBACK", "ABORT", "REPLACE", "FAIL",
        "IGNORE",
        "BEGIN", "END", "FOR", "EACH", "ROW", "WHEN", "AFTER", "BEFORE", "INSTEAD", "OF", "DELETE", "INSERT", "UPDATE",
        "CREATE", "DROP", "ALTER", "TABLE", "INDEX", "VIEW", "TRIGGER", "RENAME", "ADD", "COLUMN", "TO", "DO",
        "NOTHING", "CONFLICT", "DISTINCT", "ALL", "CASE", "THEN", "ELSE", "IS", "NULL", "AND", "IN", "LIKE", "BY",
    ]
    /// Words that end a `FROM` list at their depth.
    private static let endsFrom: Set<String> = [
        "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "WINDOW", "UNION", "INTERSECT", "EXCEPT", "RETURNING", "SET",
        "VALUES", "SELECT", "ON",
    ]

    /// The statement with its names moved into the app's namespace.
    ///
    /// Throws for more than one statement, schema-qualified names and `sqlite_*` tables.
    public func rewrite(_ sql: String) throws(StorageError) -> String {
        let bytes = Array(sql.utf8)
        let tokens = try SQLTokenizer.tokenize(bytes)
        // A trigger's body holds `;`-separated statements up to its final END.
        let createsTrigger = tokens.prefix(4).contains { $0.kind == .word && $0.value == "TRIGGER" }
        let bodyEnd = createsTrigger ? (tokens.lastIndex { $0.kind == .word && $0.value == "END" } ?? 0) : 0
        if let semicolon = tokens.indices.first(where: {
            $0 >= bodyEnd && tokens[$0].kind == .punctuation && tokens[$0].value == ";"
        }),
            tokens[(semicolon + 1)...].contains(where: { !($0.kind == .punctuation && $0.value == ";") })
        {
            throw StorageError(.invalidArgument, "one statement per call; use sql.batch([...]) for several")
        }
        if let first = tokens.first, first.kind == .word, let reason = Self.deniedStatements[first.value] {
            throw StorageError(.sqlDenied, reason)
        }
        // PRAGMA table_info(name) and friends: the argument is a table of the app.
        if tokens.count == 5, tokens[0].value == "PRAGMA", tokens[2].value == "(", tokens[4].value == ")",
            [.word, .quoted, .string].contains(tokens[3].kind)
        {
            var name = String(decoding: bytes[tokens[3].start..<tokens[3].end], as: UTF8.self)
            if tokens[3].kind == .string {
                name = String(name.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
            }
            if tokens[3].kind == .quoted { name = tokens[3].value }
            let head = String(decoding: bytes[0..<tokens[3].start], as: UTF8.self)
            return head + Self.quote(prefix + name) + ")"
        }
        // Common table expressions move into the app's namespace like tables, declarations and
        // references alike: a reference SQLite resolves outside the CTE's scope then names the
        // app's own table, never a kernel one (the authorizer only ever allows the prefix).
        var replacements: [Int: String] = [:]
        for index in Self.commonTableNames(tokens) {
            let token = tokens[index]
            let name =
                token.kind == .word ? String(decoding: bytes[token.start..<token.end], as: UTF8.self) : token.value
            replacements[index] = Self.quote(prefix + name)
        }
        let first = tokens.first?.value ?? ""
        let isCreateIndex = first == "CREATE" && tokens.prefix(4).contains { $0.value == "INDEX" && $0.kind == .word }
        let isTrigger = first == "CREATE" && tokens.prefix(4).contains { $0.value == "TRIGGER" && $0.kind == .word }
        var inTriggerHeader = isTrigger
        var inTriggerBody = false
        var sawIndexOn = false
        var depth = 0
        var fromDepths: Set<Int> = []
        var aliasedTables: Set<String> = []

        func word(_ index: Int) -> String? {
            guard index >= 0, index < tokens.count, tokens[index].kind == .word else { return nil }
            return tokens[index].value
        }
        func punctuation(_ index: Int) -> String? {
            guard index >= 0, index < tokens.count, tokens[index].kind == .punctuation else { return nil }
            return tokens[index].value
        }

        for index in tokens.indices {
            let token = tokens[index]
            if token.isIdentifier, ["MAIN", "TEMP", "TEMPORARY"].contains(token.value.uppercased()),
                punctuation(index + 1) == "."
            {
                let written = String(decoding: bytes[token.start..<token.end], as: UTF8.self)
                throw StorageError(.sqlDenied, "schema-qualified names like \(written).x are not allowed")
            }
            if token.kind == .punctuation {
                if token.value == "(" { depth += 1 }
                if token.value == ")" {
                    fromDepths.remove(depth)
                    depth -= 1
                }
                continue
            }
            if token.kind == .word {
                if token.value == "FROM" {
                    fromDepths.insert(depth)
                } else if Self.endsFrom.contains(token.value) {
                    fromDepths.remove(depth)
                }
                if isTrigger && token.value == "BEGIN" {
                    inTriggerHeader = false
                    inTriggerBody = true
                }
                if Self.notAlias.contains(token.value) || Self.neverNames.contains(token.value) { continue }
            }
            guard token.isIdentifier else { continue }
            // The keyword before this name, skipping `IF [NOT] EXISTS`.
            var back = index - 1
            if word(back) == "EXISTS" {
                back -= 1
                if word(back) == "NOT" { back -= 1 }
                if word(back) == "IF" { back -= 1 }
            }
            let before = word(back)
            var aliased = false
            var position = false
            switch before {
            case "FROM", "JOIN", "INTO":
                position = true
                aliased = true
            case "UPDATE":
                // Not `ON CONFLICT … DO UPDATE SET` and not a trigger's `AFTER UPDATE OF`.
                position = word(back - 1) != "DO" && !inTriggerHeader
                aliased = position
            case "ROLLBACK", "ABORT", "REPLACE", "FAIL", "IGNORE":
                position = word(back - 1) == "OR" && word(back - 2) == "UPDATE"
                aliased = position
            case "TABLE", "VIEW", "TRIGGER", "REFERENCES":
                position = true
            case "INDEX":
                position = word(back - 1) != "INDEXED"
            case "BY":
                position = word(back - 1) == "INDEXED"
            case "TO":
                position = word(back - 1) == "RENAME"
            case "ON":
                position = (isCreateIndex && !sawIndexOn) || inTriggerHeader
                if position && isCreateIndex { sawIndexOn = true }
            default:
                if punctuation(back) == ",", fromDepths.contains(depth) {
                    position = true
                    aliased = true
                }
            }
            guard position else { continue }
            if punctuation(index + 1) == "(" && (before == "FROM" || before == "JOIN" || punctuation(back) == ",") {
                continue  // a table-valued function such as json_each(...)
            }
            if punctuation(index + 1) == "." {
                let written = String(decoding: bytes[token.start..<token.end], as: UTF8.self)
                throw StorageError(.sqlDenied, "schema-qualified names like \(written).x are not allowed")
            }
            let name =
                token.kind == .word ? String(decoding: bytes[token.start..<token.end], as: UTF8.self) : token.value
            if name.lowercased().hasPrefix("sqlite_") {
                throw StorageError(.sqlDenied, "\(name) is not available to apps (see fazt.sql.tables())")
            }
            var replacement = Self.quote(prefix + name)
            if aliased { aliasedTables.insert(name.lowercased()) }
            if aliased && !inTriggerBody {
                let next = index + 1 < tokens.count ? tokens[index + 1] : nil
                let userAlias =
                    next.map {
                        $0.kind == .quoted
                            || ($0.kind == .word && ($0.value == "AS" || !Self.notAlias.contains($0.value)))
                    } ?? false
                if !userAlias { replacement += " AS " + Self.quote(name) }
            }
            replacements[index] = replacement
        }
        fullTextColumns(tokens, bytes, aliasedTables, into: &replacements)
        guard !replacements.isEmpty else { return sql }
        var out = ""
        var cursor = 0
        for index in tokens.indices {
            guard let replacement = replacements[index] else { continue }
            out += String(decoding: bytes[cursor..<tokens[index].start], as: UTF8.self)
            out += replacement
            cursor = tokens[index].end
        }
        out += String(decoding: bytes[cursor...], as: UTF8.self)
        return out
    }

    /// fts5 names a table's hidden column after the table: `docs MATCH ?` and `bm25(docs)` mean
    /// that column, which is called `app_<app>__docs` once the table is renamed, so a table name
    /// kept as an alias is qualified with it there.
    private func fullTextColumns(
        _ tokens: [SQLToken],
        _ bytes: [UInt8],
        _ tables: Set<String>,
        into replacements: inout [Int: String]
    ) {
        guard !tables.isEmpty else { return }
        let functions: Set<String> = ["BM25", "HIGHLIGHT", "SNIPPET"]
        for index in tokens.indices where tokens[index].isIdentifier && replacements[index] == nil {
            let token = tokens[index]
            let name =
                token.kind == .word ? String(decoding: bytes[token.start..<token.end], as: UTF8.self) : token.value
            guard tables.contains(name.lowercased()) else { continue }
            if index > 0, tokens[index - 1].value == "." { continue }
            let matched =
                index + 1 < tokens.count && tokens[index + 1].kind == .word && tokens[index + 1].value == "MATCH"
            let argument =
                index >= 2 && tokens[index - 1].value == "(" && tokens[index - 2].kind == .word
                && functions.contains(tokens[index - 2].value)
            if matched || argument { replacements[index] = Self.quote(name) + "." + Self.quote(prefix + name) }
        }
    }

    /// Token indices of the names declared by `WITH name [(columns)] AS (`.
    static func commonTableNames(_ tokens: [SQLToken]) -> [Int] {
        var names: [Int] = []
        for index in tokens.indices where tokens[index].isIdentifier && index > 0 {
            let previous = tokens[index - 1]
            guard previous.value == "WITH" || previous.value == "RECURSIVE" || previous.value == "," else { continue }
            var next = index + 1
            if next < tokens.count, tokens[next].value == "(" {
                var depth = 0
                while next < tokens.count {
                    if tokens[next].value == "(" { depth += 1 }
                    if tokens[next].value == ")" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    next += 1
                }
                next += 1
            }
            guard next < tokens.count, tokens[next].value == "AS" else { continue }
            next += 1
            while next < tokens.count, tokens[next].value == "NOT" || tokens[next].value == "MATERIALIZED" { next += 1 }
            if next < tokens.count, tokens[next].value == "(" { names.append(index) }
        }
        return names
    }

    static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
