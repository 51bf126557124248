/// The scheduler's timing decisions as a pure state machine: which jobs are held in memory, when to
/// load more from the `jobs` table, which due jobs start now, and when to wake up next.
///
/// Only jobs due before `reach` (about one horizon ahead) are held, in a `TimerWheel`; everything
/// later stays in the database until a load brings it in, so 100,000 sleeping jobs cost nothing
/// here. Due jobs wait in per-app queues and start round-robin under a per-app and a global cap, so
/// one app with thousands of due jobs cannot starve another. Time is always passed in.
public struct SchedulePlan: Sendable {
    /// A job that is due and may start now.
    public struct Start: Sendable, Hashable {
        public var id: Int64
        public var app: String
        public var due: Int64
    }

    /// How far ahead jobs are held in memory (ms).
    public let horizon: Int64
    /// Most jobs of one app running at once.
    public let perAppLimit: Int
    /// Most jobs running at once in total.
    public let globalLimit: Int
    /// Jobs due before this time are held (or running); later ones are still only in the database.
    public private(set) var reach: Int64

    private var wheel: TimerWheel
    private var apps: [Int64: String] = [:]
    /// Due jobs waiting for a free slot, per app, and the apps in round-robin order.
    private var ready: [String: [Start]] = [:]
    private var readyHeads: [String: Int] = [:]
    private var rotation: [String] = []
    private var running: [String: Int] = [:]
    private var runningTotal = 0

    public init(now: Int64, horizon: Int64 = 60_000, perAppLimit: Int = 4, globalLimit: Int = 8) {
        self.horizon = max(1000, horizon)
        self.perAppLimit = max(1, perAppLimit)
        self.globalLimit = max(1, globalLimit)
        // The first load starts at the epoch: jobs that fell due while the server was down count.
        self.reach = 0
        self.wheel = TimerWheel(now: now)
    }

    /// Jobs held in memory (waiting in the wheel or in a ready queue).
    public var heldCount: Int {
        wheel.count + ready.values.reduce(0) { $0 + $1.count } - readyHeads.values.reduce(0, +)
    }

    /// Jobs started and not yet finished.
    public var runningCount: Int { runningTotal }

    /// A job was scheduled (or rescheduled): held if it is due before `reach`, else left to a load.
    public mutating func add(id: Int64, app: String, due: Int64) {
        guard due < reach else {
            cancel(id: id)
            return
        }
        apps[id] = app
        wheel.insert(id: id, due: due)
    }

    /// A job was cancelled or claimed elsewhere: forget it if held.
    public mutating func cancel(id: Int64) {
        wheel.remove(id: id)
        apps[id] = nil
        // A job already in a ready queue is dropped when it comes up (its claim fails).
    }

    /// The range to load from the database now, if any; `reach` moves to its end at once, so jobs
    /// added while the load runs are held too (a job seen twice is held once).
    public mutating func beginLoad(now: Int64) -> Range<Int64>? {
        guard now + horizon / 2 >= reach else { return nil }
        let range = reach..<now + horizon
        reach = range.upperBound
        return range
    }

    /// A load failed: the range will be loaded again.
    public mutating func loadFailed(_ range: Range<Int64>) {
        if reach == range.upperBound { reach = range.lowerBound }
    }

    /// Adds the jobs a load found.
    ///
    /// When the load was cut short (`complete: false`), `reach` comes back to the last due time
    /// returned, and jobs due exactly then are kept (they were all
    /// loaded: `JobStore.due` never splits one due time).
    public mutating func loaded(_ jobs: [(id: Int64, app: String, due: Int64)], complete: Bool) {
        if !complete, let last = jobs.last?.due { reach = min(reach, last + 1) }
        for job in jobs where job.due < reach {
            apps[job.id] = job.app
            wheel.insert(id: job.id, due: job.due)
        }
    }

    /// Moves jobs due by `now` into the ready queues and returns those that may start, marking them
    /// running; each must later be reported with `finished(app:)`.
    public mutating func start(now: Int64) -> [Start] {
        for entry in wheel.advance(to: now) {
            guard let app = apps.removeValue(forKey: entry.id) else { continue }
            if ready[app, default: []].isEmpty || readyHeads[app] == ready[app]?.count {
                if !rotation.contains(app) { rotation.append(app) }
            }
            ready[app, default: []].append(Start(id: entry.id, app: app, due: entry.due))
        }
        var starts: [Start] = []
        var index = 0
        // Round-robin: one job per app per pass until the caps or the queues run out.
        while runningTotal < globalLimit, !rotation.isEmpty {
            if index >= rotation.count { index = 0 }
            let app = rotation[index]
            let head = readyHeads[app, default: 0]
            guard let queue = ready[app], head < queue.count else {
                drop(app, at: index)
                continue
            }
            if running[app, default: 0] >= perAppLimit {
                index += 1
                if index >= rotation.count && !rotation.indices.contains(where: { canStart(rotation[$0]) }) { break }
                continue
            }
            starts.append(queue[head])
            readyHeads[app] = head + 1
            if head > 1024 && head * 2 > queue.count {
                ready[app] = Array(queue[(head + 1)...])
                readyHeads[app] = 0
            }
            running[app, default: 0] += 1
            runningTotal += 1
            index += 1
        }
        return starts
    }

    /// A started job finished (or its claim failed): its slot is free.
    public mutating func finished(app: String) {
        guard let count = running[app], count > 0 else { return }
        running[app] = count == 1 ? nil : count - 1
        runningTotal -= 1
    }

    /// When to call `start` (or `beginLoad`) next; `nil` when nothing is held and no load is due
    /// before `reach`.
    public func nextWake(now: Int64) -> Int64 {
        var wake = reach - horizon / 2
        if let timer = wheel.nextWake() { wake = min(wake, timer) }
        if rotation.contains(where: canStart) { wake = min(wake, now) }
        return wake
    }

    private func canStart(_ app: String) -> Bool {
        guard runningTotal < globalLimit, running[app, default: 0] < perAppLimit else { return false }
        return readyHeads[app, default: 0] < (ready[app]?.count ?? 0)
    }

    private mutating func drop(_ app: String, at index: Int) {
        rotation.remove(at: index)
        ready[app] = nil
        readyHeads[app] = nil
    }
}
