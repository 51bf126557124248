import FaztStorage
import FaztStore

/// The manifest's `"schedules"`: one `cron` job row per named schedule, kept in step with the live
/// version (registered at deploy, replaced on redeploy, removed on rollback to a version without
/// them and with the app).
public enum CronRegistry {
    /// One entry of `"schedules"`.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var cron: String
        public var handler: String
        public var tz: String?
        /// `skip` (default): a run still going when the next is due makes that one wait for the
        /// occurrence after; `queue`: it runs as soon as the running one ends.
        public var overlap = "skip"
        public var misfire = "run-once"
        public var retries = 0
        public var timeoutMs: Int?

        /// The job's stored state (what `CronSchedule.next(spec:)` reads).
        var spec: String {
            JSONValue.object([
                ("cron", .string(cron)), ("tz", tz.map { .string($0) } ?? .null), ("overlap", .string(overlap)),
            ]).text
        }
    }

    /// Reads and checks `"schedules"` of a manifest (nil or absent: none); `fileExists` says whether
    /// a handler is a file of the version.
    public static func entries(manifest: String?, fileExists: (String) throws -> Bool) throws(CronError) -> [Entry] {
        guard let manifest, let root = try? JSONValue.parse(manifest), let value = root["schedules"], value != .null
        else {
            return []
        }
        guard case .array(let items) = value else { throw CronError("fazt.json: \"schedules\" must be a list") }
        var entries: [Entry] = []
        for (index, item) in items.enumerated() {
            let at = "fazt.json: schedules[\(index)]"
            guard case .object = item else { throw CronError("\(at) must be an object") }
            guard let name = item["name"]?.stringValue, !name.isEmpty, name.utf8.count <= 100 else {
                throw CronError("\(at) needs a \"name\" (a string of at most 100 bytes)")
            }
            guard !entries.contains(where: { $0.name == name }) else {
                throw CronError("\(at): the name \"\(name)\" is used twice")
            }
            guard let cron = item["cron"]?.stringValue else {
                throw CronError("\(at) (\(name)) needs a \"cron\" expression")
            }
            let tz = item["tz"]?.stringValue
            do {
                _ = try CronSchedule(cron, tz: tz)
            } catch {
                throw CronError("\(at) (\(name)): \(error.message)")
            }
            guard let rawHandler = item["handler"]?.stringValue else {
                throw CronError("\(at) (\(name)) needs a \"handler\" file, like \"jobs/nightly.js\"")
            }
            let handler: String
            do {
                handler = try Scheduler.handlerPath(rawHandler)
            } catch {
                throw CronError("\(at) (\(name)): \(error.message)")
            }
            guard (try? fileExists(handler)) == true else {
                throw CronError("\(at) (\(name)): the handler \(handler) is not in this deploy")
            }
            var entry = Entry(name: name, cron: cron, handler: handler, tz: tz)
            if let overlap = item["overlap"]?.stringValue {
                guard overlap == "skip" || overlap == "queue" else {
                    throw CronError("\(at) (\(name)): overlap must be \"skip\" or \"queue\"")
                }
                entry.overlap = overlap
            }
            if let misfire = item["misfire"]?.stringValue {
                guard misfire == "skip" || misfire == "run-once" else {
                    throw CronError("\(at) (\(name)): misfire must be \"run-once\" or \"skip\"")
                }
                entry.misfire = misfire
            }
            if let retries = item["retries"]?.numberValue {
                guard retries >= 0, retries <= 20, retries.rounded() == retries else {
                    throw CronError("\(at) (\(name)): retries must be 0...20")
                }
                entry.retries = Int(retries)
            }
            if let timeout = item["timeoutMs"]?.numberValue {
                guard timeout > 0, timeout <= 900_000 else {
                    throw CronError("\(at) (\(name)): timeoutMs must be 1...900000")
                }
                entry.timeoutMs = Int(timeout)
            }
            entries.append(entry)
        }
        return entries
    }

    /// Makes the app's cron jobs match `entries`: unchanged schedules keep their next run,
    /// changed ones start over, missing ones go.
    public static func sync(
        _ connection: Connection,
        app: String,
        entries: [Entry],
        now: Int64,
        defaultTimeoutMs: Int
    ) throws {
        let existing = try connection.query(
            "SELECT \(JobStore.columns) FROM jobs WHERE app = ? AND kind = 'cron'",
            [.text(app)],
            JobStore.job
        )
        func same(_ entry: Entry, _ job: Job) -> Bool {
            entry.name == job.name && entry.spec == job.state && entry.handler == job.handler
                && entry.misfire == job.misfire && entry.retries == job.retries
                && (entry.timeoutMs ?? defaultTimeoutMs) == job.timeoutMs
        }
        for job in existing where !entries.contains(where: { same($0, job) }) {
            try JobStore.delete(connection, id: job.id)
        }
        for entry in entries where !existing.contains(where: { same(entry, $0) }) {
            guard let runAt = CronSchedule.next(spec: entry.spec, after: now) else { continue }
            var job = Job(kind: "cron", app: app, handler: entry.handler, state: entry.spec, runAt: runAt)
            job.name = entry.name
            job.retries = entry.retries
            job.misfire = entry.misfire
            job.timeoutMs = entry.timeoutMs ?? defaultTimeoutMs
            _ = try JobStore.insert(connection, job, now: now)
        }
    }
}
