import ArgumentParser
import FaztAPI
import Foundation

/// `fazt runs APP`: execution history (jobs, cron, event deliveries, failed HTTP invocations).
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Show an app's execution history: jobs, cron runs, event deliveries, failed HTTP calls.",
        discussion: """
            Newest first. Outcomes: ok, retry (will run again), dead (gave up), failed (HTTP), skipped.
            --kind fetch lists the app's outbound calls instead (host, method, status, bytes, duration, error code).
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Option(
        help:
            "Only this kind: job, cron, event, notify, http, socket or ai ('timer' means job), or fetch (outbound calls, as fazt net log)."
    )
    var kind: String?
    @Option(help: "How many runs to show (1-1000).") var limit: Int = 50
    @Flag(help: "Also print each run's captured console output.") var output = false

    func validate() throws {
        try Validation.limit(limit)
        if let kind, !Self.fetchKinds.contains(kind) { _ = try Validation.runKind(kind) }
    }

    /// `--kind` values that list outbound `fetch` calls instead of runs.
    static let fetchKinds: Set = ["fetch", "egress"]

    func run() throws {
        if let kind, Self.fetchKinds.contains(kind) {
            try NetCommand.Log.show(app: app, limit: limit, options: options)
            return
        }
        var path = "/apps/\(app.lowercased())/runs?limit=\(limit)"
        if let kind { path += "&kind=\(try Validation.runKind(kind))" }
        guard let list = try options.client().fetch(RunList.self, "GET", path, json: options.json) else { return }
        if list.runs.isEmpty {
            print("no runs recorded for \(list.app)")
            return
        }
        let rows = list.runs.map { run -> [String] in
            let what = run.name ?? run.job.map { "#\($0)" } ?? ""
            let error = run.error.map { String($0.split(separator: "\n").first ?? "") } ?? ""
            return [
                Output.time(run.startedAt), run.kind, run.outcome, "\(run.durationMs) ms", run.handler, what,
                run.attempt > 1 ? "attempt \(run.attempt)" : "", error,
            ]
        }
        if !output {
            Output.table(["STARTED", "KIND", "OUTCOME", "TOOK", "HANDLER", "JOB", "ATTEMPT", "ERROR"], rows)
            return
        }
        for (run, row) in zip(list.runs, rows) {
            print(row.filter { !$0.isEmpty }.joined(separator: "  "))
            for line in (run.output ?? "").split(separator: "\n") { print("    \(line)") }
        }
    }
}

/// `fazt jobs APP`, `fazt jobs retry APP ID`, `fazt jobs cancel APP ID`.
struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List an app's scheduled jobs (pending, running, dead); retry or cancel one.",
        subcommands: [List.self, Retry.self, Cancel.self],
        defaultSubcommand: List.self
    )

    /// A job as the control API shows it.
    struct JobBody: Codable {
        var id: Int64
        var kind: String
        var key: String?
        var name: String?
        var handler: String
        var runAt: Int64
        var status: String
        var attempt: Int
        var retries: Int
        var error: String?
    }

    struct JobList: Codable {
        var app: String
        var jobs: [JobBody]
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs, soonest first.")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Option(help: "Only pending, running or dead jobs.") var status: String?
        @Option(help: "How many jobs to show (1-1000).") var limit: Int = 100

        func validate() throws {
            try Validation.limit(limit)
            if let status { try Validation.jobStatus(status) }
        }

        func run() throws {
            var path = "/apps/\(app.lowercased())/jobs?limit=\(limit)"
            if let status { path += "&status=\(status)" }
            guard let list = try options.client().fetch(JobList.self, "GET", path, json: options.json) else { return }
            if list.jobs.isEmpty {
                print("no \(status.map { "\($0) " } ?? "")jobs for \(list.app)")
                return
            }
            Output.table(
                ["ID", "KIND", "STATUS", "RUN AT", "HANDLER", "NAME/KEY", "ATTEMPTS", "ERROR"],
                list.jobs.map { job in
                    [
                        "\(job.id)", job.kind, job.status, Output.time(job.runAt), job.handler,
                        job.name ?? job.key ?? "",
                        "\(job.attempt)/\(job.retries + 1)",
                        job.error.map { String($0.split(separator: "\n").first ?? "") } ?? "",
                    ]
                }
            )
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry",
            abstract: "Run a dead job again now, with a fresh set of attempts."
        )

        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The job id (see 'fazt jobs APP --status dead').") var id: Int64

        func run() throws {
            guard
                let job = try options.client().fetch(
                    JobBody.self,
                    "POST",
                    "/apps/\(app.lowercased())/jobs/\(id)/retry",
                    json: options.json
                )
            else { return }
            print("job \(job.id) is pending again: runs at \(Output.time(job.runAt))")
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel",
            abstract: "Delete a pending or dead job."
        )

        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The job id.") var id: Int64

        func run() throws {
            _ = try options.client().call("DELETE", "/apps/\(app.lowercased())/jobs/\(id)")
            print("cancelled job \(id)")
        }
    }
}
