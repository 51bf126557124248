import ArgumentParser

/// `fazt`: the server and its command-line client in one executable.
public struct FaztCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fazt",
        abstract: "A personal cloud in one binary and one SQLite file.",
        discussion: """
            Start a server with 'fazt serve'. Other commands talk to a server: log in once with \
            'fazt login URL TOKEN', or pass --server and --token (or FAZT_SERVER and FAZT_TOKEN). \
            'fazt sql' and 'fazt kv' read an app's stored data.
            """,
        version: "0.1.0",
        subcommands: [
            ServeCommand.self, TokenCommand.self, LoginCommand.self, DeployCommand.self, AppsCommand.self,
            VersionsCommand.self, RollbackCommand.self, LogsCommand.self, EnvCommand.self, RunsCommand.self,
            JobsCommand.self, EventsCommand.self, SQLCommand.self, KVCommand.self, GrantCommand.self,
            SecretCommand.self, NotificationsCommand.self, NotifyCommand.self, PublishCommand.self,
            WorkerCommand.self, AICommand.self, CreateCommand.self, AssistantCommand.self, DraftCommand.self,
            DiffCommand.self, PreviewCommand.self, TagCommand.self, RestoreCommand.self, SnapshotCommand.self,
            GitCommand.self, AuditCommand.self, ApproveCommand.self, NetCommand.self, ConnectCommand.self,
            BackupCommand.self, ServiceCommand.self, DoctorCommand.self,
        ]
    )

    public init() {}
}

/// A command-line failure with a message for the user (exit code 1).
struct CLIError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}

extension FaztCommand {
    /// Parses the command line and runs the chosen command, async or not; exits with its status.
    public static func runMain() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
