import FaztStore

/// The authorizer policy for one app's SQL (see `SQLStore`).
final class SQLAccess: @unchecked Sendable {
    // Safe: used on the one thread that prepares the statement.
    let prefix: String
    private let lowercasedPrefix: String
    /// Why the last denial happened (the authorizer cannot throw).
    private(set) var denial: String?
    /// One schema change the statement makes: the object it creates, alters or drops, and the
    /// app table it belongs to.
    struct SchemaChange {
        var object: String
        var table: String
        var creates: Bool
        var isTable: Bool
    }

    /// The schema changes the statement makes (CREATE, ALTER, DROP of a table or of an index,
    /// trigger or view on one), for the data journal.
    private(set) var schemaChanges: [SchemaChange] = []

    private func noteSchema(_ object: String, table: String, creates: Bool, isTable: Bool = false) {
        schemaChanges.append(SchemaChange(object: object, table: table, creates: creates, isTable: isTable))
    }

    init(prefix: String) {
        self.prefix = prefix
        self.lowercasedPrefix = prefix.lowercased()
    }

    private static let readablePragmas: Set<String> = [
        "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
    ]
    private static let deniedFunctions: Set<String> = ["load_extension", "fts3_tokenizer", "readfile", "writefile"]
    private static let schemaTables: Set<String> = [
        "sqlite_master", "sqlite_schema", "sqlite_sequence", "sqlite_stat1",
    ]
    /// Table-valued functions apps may read from.
    private static let functionTables: Set<String> = ["json_each", "json_tree"]

    var authorizer: SQLAuthorizer {
        SQLAuthorizer { [self] request in
            let allowed = decide(request)
            return allowed
        }
    }

    private func owned(_ name: String?) -> Bool {
        guard let name else { return false }
        return name.lowercased().hasPrefix(lowercasedPrefix)
    }

    /// SQLite names the indexes behind UNIQUE and non-integer PRIMARY KEY constraints
    /// `sqlite_autoindex_<table>_<n>`; such an index belongs to the app when its table does.
    private func ownedIndex(_ index: String?, on table: String?) -> Bool {
        guard let index, let table, owned(table) else { return false }
        if owned(index) { return true }
        let automatic = "sqlite_autoindex_" + table.lowercased() + "_"
        let lowered = index.lowercased()
        return lowered.hasPrefix(automatic) && lowered.dropFirst(automatic.count).allSatisfy(\.isNumber)
    }

    private func deny(_ reason: String) -> Bool {
        if denial == nil { denial = reason }
        return false
    }

    private func decide(_ request: SQLAuthorizer.Request) -> Bool {
        // SQLite maintains the temp schema table itself (ALTER TABLE … RENAME); apps cannot name it.
        let internalSchemaRead =
            [SQLAction.read, SQLAction.update].contains(request.action)
            && (request.first?.lowercased().hasPrefix("sqlite_temp_") ?? false)
        if let database = request.database, database != "main", !internalSchemaRead {
            return deny("only the app's own tables are available (not the \(database) schema)")
        }
        switch request.action {
        case SQLAction.select, SQLAction.recursive:
            return true
        case SQLAction.read, SQLAction.insert, SQLAction.update, SQLAction.delete:
            // SQLite itself maintains the schema tables while creating, altering or dropping the
            // app's objects, and sqlite_sequence for AUTOINCREMENT; apps cannot name them (the
            // rewriter refuses `sqlite_*` names).
            let table = request.first?.lowercased() ?? ""
            if owned(request.first) || Self.schemaTables.contains(table) || internalSchemaRead
                || (request.action == SQLAction.read && Self.functionTables.contains(table))
            {
                return true
            }
            return deny("the table \(request.first ?? "?") does not belong to this app")
        case SQLAction.createTable, SQLAction.createView, SQLAction.dropTable, SQLAction.dropView,
            SQLAction.alterTable:
            let name = request.action == SQLAction.alterTable ? request.second : request.first
            guard owned(name), let name else { return deny("\(name ?? "?") does not belong to this app") }
            noteSchema(
                name,
                table: name,
                creates: [SQLAction.createTable, SQLAction.createView].contains(request.action),
                isTable: request.action == SQLAction.createTable
            )
            return true
        case SQLAction.createIndex, SQLAction.dropIndex:
            guard ownedIndex(request.first, on: request.second), let table = request.second else {
                return deny("\(request.first ?? "?") on \(request.second ?? "?") does not belong to this app")
            }
            noteSchema(request.first ?? table, table: table, creates: request.action == SQLAction.createIndex)
            return true
        case SQLAction.createTrigger, SQLAction.dropTrigger:
            guard owned(request.first), owned(request.second), let table = request.second else {
                return deny("\(request.first ?? "?") on \(request.second ?? "?") does not belong to this app")
            }
            noteSchema(request.first ?? table, table: table, creates: request.action == SQLAction.createTrigger)
            return true
        case SQLAction.createVTable, SQLAction.dropVTable:
            guard owned(request.first), request.second?.lowercased() == "fts5", let table = request.first else {
                return deny("only fts5 virtual tables are allowed")
            }
            noteSchema(table, table: table, creates: request.action == SQLAction.createVTable)
            return true
        case SQLAction.function:
            let name = request.second?.lowercased() ?? ""
            return !Self.deniedFunctions.contains(name) || deny("the function \(name)() is not allowed")
        case SQLAction.pragma:
            let name = request.first?.lowercased() ?? ""
            // fts5 reads `PRAGMA data_version` (a change counter, no argument) to keep its caches fresh.
            if name == "data_version" && request.second == nil { return true }
            return (Self.readablePragmas.contains(name) && owned(request.second))
                || deny("PRAGMA \(name) is not allowed (only table_info and friends on your own tables)")
        case SQLAction.transaction, SQLAction.savepoint:
            return deny("transactions are managed by fazt: use fazt.storage.transaction(fn)")
        case SQLAction.attach, SQLAction.detach:
            return deny("ATTACH and DETACH are not allowed")
        case SQLAction.reindex, SQLAction.analyze:
            return owned(request.first) || deny("only the app's own tables can be analyzed or reindexed")
        default:
            return deny("this statement is not allowed for apps")
        }
    }
}
