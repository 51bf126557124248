import ArgumentParser
import FaztAPI
import Foundation

/// `fazt run APP JOB`: runs a deployed app's cron job or job file now and prints the outcome.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an app's cron job (or a job file) now and print the outcome.",
        discussion: """
            JOB is the name of a schedule in the live fazt.json ("schedules"), or a file of the live \
            version whose 'scheduled' export runs with state null (jobs/cleanup.js). The run uses the \
            job's time limit, is recorded in 'fazt runs APP', and leaves the schedule as it was. Prints \
            the outcome, duration and console output; exits 1 when the job failed. An unknown JOB is \
            an error that lists the app's jobs.
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Argument(help: "The schedule name or job file to run.") var job: String

    func run() throws {
        let body = try JSONEncoder().encode(RunJobRequest(job: job))
        let bytes = try options.client().call("POST", "/apps/\(app.lowercased())/run", body: [UInt8](body))
        let run: RunBody
        do {
            run = try JSONDecoder().decode(RunBody.self, from: Data(bytes))
        } catch {
            throw CLIError("unexpected answer from the server: \(error)")
        }
        if options.json {
            Output.printRawJSON(bytes)
        } else {
            for line in Self.lines(run) { print(line) }
        }
        if run.outcome != "ok" { throw ExitCode.failure }
    }

    /// `cron nightly (jobs/nightly.js): ok in 12 ms`, then the console output and the error.
    static func lines(_ run: RunBody) -> [String] {
        let what = run.name.map { "\(run.kind) \($0) (\(run.handler))" } ?? "\(run.kind) \(run.handler)"
        var lines = ["\(what): \(run.outcome) in \(run.durationMs) ms"]
        for line in (run.output ?? "").split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            lines.append("  \(line)")
        }
        if let error = run.error { lines.append("error: \(error)") }
        return lines
    }
}
