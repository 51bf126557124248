import FaztScheduler
import Testing

@Suite struct SchedulePlanTests {
    @Test func holdsOnlyJobsInsideTheHorizonAndAsksForLoads() {
        var plan = SchedulePlan(now: 0, horizon: 60_000)
        #expect(plan.beginLoad(now: 0) == 0..<60_000)
        plan.loaded([(1, "a", 10), (2, "a", 59_999)], complete: true)
        plan.add(id: 3, app: "a", due: 120_000)  // beyond reach: stays in the database only
        #expect(plan.heldCount == 2)
        #expect(plan.beginLoad(now: 29_000) == nil)
        #expect(plan.nextWake(now: 0) == 10)
        #expect(plan.start(now: 10).map(\.id) == [1])
        // Half a horizon before reach, the next range is loaded (contiguous with the last).
        #expect(plan.beginLoad(now: 30_000) == 60_000..<90_000)
    }

    @Test func aJobAddedWhileALoadRunsIsHeld() {
        var plan = SchedulePlan(now: 0, horizon: 10_000)
        let range = plan.beginLoad(now: 0)!
        plan.add(id: 9, app: "a", due: 5_000)  // committed after the load's snapshot
        plan.loaded([], complete: true)
        #expect(range == 0..<10_000)
        #expect(plan.start(now: 5_000).map(\.id) == [9])
    }

    @Test func aCutShortLoadComesBackForTheRest() {
        var plan = SchedulePlan(now: 0, horizon: 10_000)
        _ = plan.beginLoad(now: 0)
        plan.loaded([(1, "a", 100), (2, "a", 200)], complete: false)
        #expect(plan.reach == 201)
        #expect(plan.beginLoad(now: 0) == 201..<10_000)
    }

    @Test func failedLoadIsRetried() {
        var plan = SchedulePlan(now: 0, horizon: 10_000)
        let range = plan.beginLoad(now: 0)!
        plan.loadFailed(range)
        #expect(plan.beginLoad(now: 0) == range)
    }

    @Test func cancelAndRescheduleBeforeFiring() {
        var plan = SchedulePlan(now: 0, horizon: 10_000)
        _ = plan.beginLoad(now: 0)
        plan.add(id: 1, app: "a", due: 100)
        plan.add(id: 2, app: "a", due: 100)
        plan.cancel(id: 1)
        plan.add(id: 2, app: "a", due: 300)
        #expect(plan.start(now: 200).isEmpty)
        #expect(plan.start(now: 300).map(\.id) == [2])
    }

    @Test func perAppCapAndRoundRobinKeepAppsFair() {
        var plan = SchedulePlan(now: 0, horizon: 10_000, perAppLimit: 2, globalLimit: 3)
        _ = plan.beginLoad(now: 0)
        for id in 0..<1000 { plan.add(id: Int64(id), app: "busy", due: 1) }
        plan.add(id: 5000, app: "quiet", due: 5)
        let first = plan.start(now: 1)
        #expect(first.count == 2, "per-app cap")
        #expect(first.allSatisfy { $0.app == "busy" })
        // The quiet app's job starts as soon as it is due, ahead of the busy backlog.
        let second = plan.start(now: 5)
        #expect(second.map(\.app) == ["quiet"])
        plan.finished(app: "busy")
        #expect(plan.start(now: 6).map(\.app) == ["busy"])
        #expect(plan.runningCount == 3)
        #expect(plan.start(now: 7).isEmpty, "global cap")
        #expect(plan.nextWake(now: 7) > 7, "nothing can start: no busy loop")
        plan.finished(app: "quiet")
        #expect(plan.nextWake(now: 7) > 7, "busy is still at its own cap")
        plan.finished(app: "busy")
        #expect(plan.nextWake(now: 7) == 7)
        #expect(plan.start(now: 8).map(\.app) == ["busy"])
    }

    @Test func hundredThousandDistantJobsAreNotHeld() {
        var plan = SchedulePlan(now: 0, horizon: 60_000)
        _ = plan.beginLoad(now: 0)
        for id in 0..<100_000 { plan.add(id: Int64(id), app: "a", due: 3_600_000 + Int64(id)) }
        #expect(plan.heldCount == 0)
    }
}
