import ArgumentParser
import FaztAPI
import Foundation

/// `fazt audit [--token NAME]`: the audit trail of MCP tool calls and scoped-token writes.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit trail: every MCP tool call and scoped-token control API write.",
        discussion: """
            Newest first: when, the token's name, the tool (mcp:NAME) or route, the app, the outcome and \
            the duration. Arguments are never stored, only their SHA-256 (ARGS, first 12 digits), so \
            identical calls can be matched.
            """
    )

    // `--token` names the token whose rows to show, so the owner token comes from FAZT_TOKEN or
    // 'fazt login' (or --owner-token) here.
    @Option(help: "Server URL (default: FAZT_SERVER or the one saved by 'fazt login').") var server: String?
    @Option(help: "Owner token (default: FAZT_TOKEN or the one saved by 'fazt login').") var ownerToken: String?
    @Flag(help: "Print JSON instead of text.") var json = false
    @Option(name: .customLong("token"), help: "Only the rows of the token with this name.") var tokenName: String?
    @Option(help: "How many rows (1-10000).") var limit = 100

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 10000") }
    }

    func run() throws {
        var query = "limit=\(limit)"
        if let tokenName {
            query += "&token=" + (tokenName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? tokenName)
        }
        let client = try ClientOptions.client(server: server, token: ownerToken)
        guard let list = try client.fetch(AuditList.self, "GET", "/audit?" + query, json: json) else { return }
        Output.table(
            ["TIME", "TOKEN", "ACTION", "APP", "OUTCOME", "MS", "ARGS"],
            list.entries.map {
                [
                    Output.time($0.at), $0.token, $0.action, $0.app ?? "-", $0.outcome, String($0.durationMs),
                    String($0.argsHash.prefix(12)),
                ]
            }
        )
    }
}

/// `fazt approve ID`, `fazt approve --list`: irreversible steps agents asked for.
struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve what an agent asked for (a data restore), or list the requests.",
        discussion: """
            An MCP token without storage:admin that calls data_restore gets pending_approval and an id; \
            'fazt approve ID' carries the restore out as the owner and records its outcome, which the \
            agent sees in app_status. 'fazt approve --list' shows every request with its arguments.
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The request id (apr_…).") var id: String?
    @Flag(help: "List the requests instead.") var list = false

    func validate() throws {
        if (id == nil) == !list { throw ValidationError("give a request id, or --list") }
    }

    func run() throws {
        let client = try options.client()
        if let id {
            guard
                let decided = try client.fetch(
                    ApprovalBody.self,
                    "POST",
                    "/approvals/\(id)/approve",
                    body: [],
                    json: options.json
                )
            else { return }
            print("\(decided.id): \(decided.status) (\(decided.action) on \(decided.app))")
            if let result = decided.result { print(result) }
            return
        }
        guard let all = try client.fetch(ApprovalList.self, "GET", "/approvals", json: options.json) else { return }
        Output.table(
            ["ID", "TIME", "TOKEN", "APP", "ACTION", "STATUS", "ARGUMENTS"],
            all.approvals.map {
                [$0.id, Output.time($0.createdAt), $0.token, $0.app, $0.action, $0.status, $0.arguments]
            }
        )
    }
}
