import ArgumentParser
import Foundation

/// `fazt sql APP "SELECT …"`: one read-only statement against the app's own SQL tables.
struct SQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run one read-only SQL statement against an app's own tables.",
        discussion: """
            Tables have the names the app's code uses with fazt.storage.sql (e.g. 'SELECT * FROM todos'); \
            other apps' tables are out of reach. Statements that write are refused: change data from the \
            app's code. Prints an aligned table, or the API's JSON ({"app","columns","rows"}) with --json.
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Argument(help: "The statement, e.g. \"SELECT * FROM todos LIMIT 10\".") var sql: String
    @Option(
        name: .customLong("param"),
        help: "A value for the next ? placeholder (repeat in order); JSON when it parses, else text."
    )
    var parameters: [String] = []

    func run() throws {
        let values = parameters.map { text -> Any in
            (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) ?? text
        }
        let body = try JSONSerialization.data(withJSONObject: ["sql": sql, "params": values] as [String: Any])
        let bytes = try options.client().call("POST", "/apps/\(app.lowercased())/sql", body: Array(body))
        if options.json {
            Output.printRawJSON(bytes)
            return
        }
        guard let answer = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let columns = answer["columns"] as? [String], let rows = answer["rows"] as? [[String: Any]]
        else { throw CLIError("unexpected answer from the server") }
        Output.table(columns, rows.map { row in columns.map { Output.cell(row[$0]) } })
        FileHandle.standardError.write(Data("(\(rows.count) \(rows.count == 1 ? "row" : "rows"))\n".utf8))
    }
}
