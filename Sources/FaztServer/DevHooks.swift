/// What `fazt dev` changes in the server: one app answers every host, each app request waits until
/// the app's files are current and is logged, and handler failures carry a code frame.
public struct DevHooks: Sendable {
    /// The app every host serves (the control API and `/_fazt/*` stay on the bare domain).
    public var app: String
    /// Runs before each app request, off the event loop; calls `proceed` once the app's files on
    /// disk are synced (so a save is visible at the very next request).
    public var beforeRequest: @Sendable (_ proceed: @escaping @Sendable () -> Void) -> Void
    /// Each app request answered: method, path (with query), status and duration in nanoseconds.
    public var requestLog: @Sendable (_ method: String, _ path: String, _ status: UInt, _ nanoseconds: UInt64) -> Void
    /// The code frame of a failure at `location` (`api/x.js:LINE`; the stack may give the column),
    /// or nil; shown in the 500 body.
    public var codeFrame: @Sendable (_ location: String, _ stack: String?) -> String?
    /// A handler failed: the file, the message, its location and code frame.
    public var handlerFailed:
        @Sendable (_ file: String, _ message: String, _ location: String?, _ frame: String?) -> Void

    /// A line the app logged (`console.log`, `fazt.log.*`): its level and text.
    public var appLog: @Sendable (_ level: String, _ message: String) -> Void = { _, _ in }

    /// A scheduled job ran (cron, timer, event delivery): kind, name, handler, milliseconds, and
    /// the failure's message (nil when it succeeded).
    public var jobRan: @Sendable (String, String?, String, Int64, String?) -> Void = { _, _, _, _, _ in }

    public init(
        app: String,
        beforeRequest: @escaping @Sendable (_ proceed: @escaping @Sendable () -> Void) -> Void,
        requestLog: @escaping @Sendable (String, String, UInt, UInt64) -> Void,
        codeFrame: @escaping @Sendable (String, String?) -> String?,
        handlerFailed: @escaping @Sendable (String, String, String?, String?) -> Void
    ) {
        self.app = app
        self.beforeRequest = beforeRequest
        self.requestLog = requestLog
        self.codeFrame = codeFrame
        self.handlerFailed = handlerFailed
    }
}
