/// The body of `POST /apps/{name}/run`: what to run now.
///
/// `job` names a cron schedule of the live `fazt.json` (`"schedules"`), or a file of the live
/// version (`jobs/cleanup.js`) whose `scheduled` export runs with `state` null. The answer is the
/// recorded run (`RunBody`): outcome, duration, console output, error.
public struct RunJobRequest: Codable, Sendable, Equatable {
    public var job: String

    /// Creates a request.
    public init(job: String) {
        self.job = job
    }
}
