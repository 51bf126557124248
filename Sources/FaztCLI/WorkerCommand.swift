import ArgumentParser
import FaztRuntime
import Foundation
import Glibc

/// `fazt __worker`: a JavaScript worker process, started by the server (not for people).
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "__worker",
        abstract: "Run a JavaScript worker (started by fazt serve).",
        shouldDisplay: false
    )

    @Option(help: "The database file to read app code from.") var data: String
    @Option(name: .customLong("storage-quota-bytes"), help: "Default storage quota of an app.")
    var storageQuotaBytes: Int64 = 1 << 30
    @Option(
        name: .customLong("memory-budget-bytes"),
        help: "Resident memory above which the worker asks to be replaced when idle."
    )
    var memoryBudgetBytes: Int = 128 << 20

    func run() throws {
        let status = WorkerMain.run(dataPath: data, quotaBytes: storageQuotaBytes, memoryBudget: memoryBudgetBytes)
        if status != 0 { throw ExitCode(status) }
    }
}

extension FaztCommand {
    /// Runs `fazt __worker --data PATH` synchronously on the calling (main) thread and exits;
    /// returns for every other command line.
    public static func runWorkerIfRequested() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.first == WorkerCommand.configuration.commandName else { return }
        do {
            let command = try WorkerCommand.parse(Array(arguments.dropFirst()))
            // _exit: no atexit handlers or static destructors racing JavaScriptCore's background
            // threads (plain exit() can hang there). Frames were written with write(2); nothing to flush.
            Glibc._exit(
                WorkerMain.run(
                    dataPath: command.data,
                    quotaBytes: command.storageQuotaBytes,
                    memoryBudget: command.memoryBudgetBytes
                )
            )
        } catch {
            WorkerCommand.exit(withError: error)  // never returns
        }
    }
}
