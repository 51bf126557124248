import Testing

@testable import FaztServer

@Suite struct TrafficHistoryTests {
    @Test func eachMinuteIsTheDifferenceFromThePreviousSample() {
        let history = TrafficHistory()
        history.sample([:], at: 0)
        history.sample(["blog": (10, 1)], at: 60_000)
        history.sample(["blog": (25, 1), "shop": (4, 4)], at: 120_000)
        let view = history.view(current: ["blog": (30, 2), "shop": (4, 4)])
        #expect(view.series["blog"] == .init(requests: [10, 15, 5], errors: [1, 0, 1]))
        // A label first seen later is padded with zeros back to the start of the hour.
        #expect(view.series["shop"] == .init(requests: [0, 4, 0], errors: [0, 4, 0]))
        #expect(view.since == 120_000)
    }

    @Test func keepsOneHour() {
        let history = TrafficHistory()
        history.sample([:], at: 0)
        for minute in 1...90 { history.sample(["blog": (UInt64(minute * 2), 0)], at: Int64(minute) * 60_000) }
        let series = history.view(current: [:]).series["blog"]
        #expect(series?.requests.count == TrafficHistory.minutes)
        #expect(series?.requests.allSatisfy { $0 == 2 } == true)
    }

    @Test func beforeAnySampleTheCurrentMinuteIsEverythingSoFar() {
        let view = TrafficHistory().view(current: ["blog": (7, 0)])
        #expect(view.series["blog"] == .init(requests: [7], errors: [0]) && view.since == 0)
    }

    /// A label that only the minute in progress knows gets as many quiet minutes as the others,
    /// whichever of them the view reaches first (this failed when it counted a grown series).
    @Test func aLabelNewThisMinuteLinesUpWithTheOthers() {
        for _ in 0..<20 {
            let history = TrafficHistory()
            history.sample([:], at: 0)
            history.sample(["blog": (10, 0)], at: 60_000)
            history.sample(["blog": (20, 0)], at: 120_000)
            let current = Dictionary(uniqueKeysWithValues: (0..<8).map { ("new\($0)", (UInt64(1), UInt64(0))) })
            let view = history.view(current: current.merging(["blog": (25, 0)]) { a, _ in a })
            #expect(view.series["blog"]?.requests == [10, 10, 5])
            #expect(view.series.values.allSatisfy { $0.requests.count == 3 }, "\(view.series)")
        }
    }
}
