/// A journaled copy of some of an app's SQL tables, taken just before a statement changed their
/// schema (CREATE, ALTER, DROP of a table, index, view or trigger): each table's `sqlite_master`
/// SQL and its rows, or the fact that it did not exist.
///
/// Undoing the change (`restore`) drops the tables and rebuilds them from the copy, so a restore
/// across DDL is exact; SQLite's sessions record rows only, never DDL.
struct SchemaEntry: Equatable {
    struct Table: Equatable {
        var name: String
        /// `CREATE …` statements: the table's first, then its indexes, triggers and views; empty
        /// when the table did not exist.
        var statements: [String]
        var rows: [[SQLiteValue]]
    }

    var tables: [Table]

    /// Copies `names` as they are now on `connection`.
    static func capture(_ connection: Connection, tables names: [String]) throws -> SchemaEntry {
        var tables: [Table] = []
        for name in Set(names).sorted() {
            let objects = try connection.query(
                """
                SELECT type, sql FROM sqlite_master WHERE tbl_name = ? COLLATE NOCASE AND sql IS NOT NULL
                ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name
                """,
                [.text(name)]
            ) { ($0.string(0), $0.string(1)) }
            guard let first = objects.first, first.0 == "table" else {
                tables.append(Table(name: name, statements: objects.map(\.1), rows: []))
                continue
            }
            // A virtual table's shadow tables come back when the virtual table is rebuilt.
            if try isShadow(connection, name) { continue }
            var rows: [[SQLiteValue]] = []
            let statement = try connection.prepareFirst("SELECT * FROM \(quote(name))")?.statement
            if let statement {
                let count = statement.columnCount
                while try statement.step() {
                    let row = statement.row
                    rows.append((0..<count).map { row.value($0) })
                }
            }
            tables.append(Table(name: name, statements: objects.map(\.1), rows: rows))
        }
        return SchemaEntry(tables: tables)
    }

    /// Whether `name` is one of the tables SQLite keeps for a virtual table (`x_data`, …).
    private static func isShadow(_ connection: Connection, _ name: String) throws -> Bool {
        try connection.queryOne(
            """
            SELECT 1 FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'
                AND ? LIKE replace(replace(name, '\\', '\\\\'), '_', '\\_') || '\\_%' ESCAPE '\\'
            """,
            [.text(name)]
        ) { _ in true } ?? false
    }

    /// Puts the copied tables back as they were.
    func restore(on connection: Connection) throws {
        for table in tables {
            let exists =
                try connection.queryOne(
                    "SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE AND type IN ('table', 'view')",
                    [.text(table.name)]
                ) { $0.string(0) }
            if let exists { try connection.execute("DROP \(exists.uppercased()) \(Self.quote(table.name))") }
        }
        for table in tables where !table.statements.isEmpty {
            guard let create = table.statements.first else { continue }
            try connection.execute(create)
            if let width = table.rows.first?.count {
                let marks = Array(repeating: "?", count: width).joined(separator: ", ")
                let insert = "INSERT INTO \(Self.quote(table.name)) VALUES (\(marks))"
                for row in table.rows { try connection.run(insert, row) }
            }
            for statement in table.statements.dropFirst() { try connection.execute(statement) }
        }
    }

    static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

// MARK: - Encoding

extension SchemaEntry {
    /// A compact binary form for the journal.
    var encoded: [UInt8] {
        var out: [UInt8] = [1]
        Self.put(UInt64(tables.count), &out)
        for table in tables {
            Self.put(table.name, &out)
            Self.put(UInt64(table.statements.count), &out)
            for statement in table.statements { Self.put(statement, &out) }
            Self.put(UInt64(table.rows.count), &out)
            Self.put(UInt64(table.rows.first?.count ?? 0), &out)
            for row in table.rows {
                for value in row { Self.put(value, &out) }
            }
        }
        return out
    }

    init(decoding bytes: [UInt8]) throws {
        var reader = ByteReader(bytes: bytes)
        guard try reader.byte() == 1 else { throw ByteReader.damaged }
        var tables: [Table] = []
        for _ in 0..<(try reader.count()) {
            let name = try reader.string()
            var statements: [String] = []
            for _ in 0..<(try reader.count()) { statements.append(try reader.string()) }
            let rowCount = try reader.count()
            let width = try reader.count()
            var rows: [[SQLiteValue]] = []
            rows.reserveCapacity(rowCount)
            for _ in 0..<rowCount {
                var row: [SQLiteValue] = []
                for _ in 0..<width { row.append(try reader.value()) }
                rows.append(row)
            }
            tables.append(Table(name: name, statements: statements, rows: rows))
        }
        self.tables = tables
    }

    private static func put(_ number: UInt64, _ out: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: number >> UInt64(shift))) }
    }

    private static func put(_ text: String, _ out: inout [UInt8]) {
        let bytes = Array(text.utf8)
        put(UInt64(bytes.count), &out)
        out += bytes
    }

    private static func put(_ value: SQLiteValue, _ out: inout [UInt8]) {
        switch value {
        case .null:
            out.append(0)
        case .integer(let number):
            out.append(1)
            put(UInt64(bitPattern: number), &out)
        case .real(let number):
            out.append(2)
            put(number.bitPattern, &out)
        case .text(let text):
            out.append(3)
            put(text, &out)
        case .blob(let bytes):
            out.append(4)
            put(UInt64(bytes.count), &out)
            out += bytes
        }
    }
}

/// Reads `SchemaEntry.encoded`.
private struct ByteReader {
    static let damaged = StoreError(code: .migration, message: "a journal schema entry is damaged")
    let bytes: [UInt8]
    var offset = 0

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw Self.damaged }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func number() throws -> UInt64 {
        guard offset + 8 <= bytes.count else { throw Self.damaged }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << UInt64(index * 8) }
        offset += 8
        return value
    }

    mutating func count() throws -> Int {
        let value = try number()
        guard value <= UInt64(bytes.count) else { throw Self.damaged }
        return Int(value)
    }

    mutating func raw() throws -> [UInt8] {
        let length = try count()
        guard offset + length <= bytes.count else { throw Self.damaged }
        defer { offset += length }
        return Array(bytes[offset..<offset + length])
    }

    mutating func string() throws -> String { String(decoding: try raw(), as: UTF8.self) }

    mutating func value() throws -> SQLiteValue {
        switch try byte() {
        case 0: return .null
        case 1: return .integer(Int64(bitPattern: try number()))
        case 2: return .real(Double(bitPattern: try number()))
        case 3: return .text(try string())
        case 4: return .blob(try raw())
        default: throw Self.damaged
        }
    }
}
