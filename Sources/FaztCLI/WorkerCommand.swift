import ArgumentParser
import FaztRuntime
import Foundation

/// `fazt __worker`: a JavaScript worker process, started by the server (not for people).
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "__worker",
        abstract: "Run a JavaScript worker (started by fazt serve).",
        shouldDisplay: false
    )

    @Option(help: "The database file to read app code from.") var data: String

    func run() throws {
        let status = WorkerMain.run(dataPath: data)
        if status != 0 { throw ExitCode(status) }
    }
}
