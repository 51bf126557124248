import FaztScheduler
import Testing

@Suite struct TimerWheelTests {
    @Test func firesInDueOrderThenByID() {
        var wheel = TimerWheel(now: 1_000)
        wheel.insert(id: 3, due: 1_050)
        wheel.insert(id: 1, due: 1_010)
        wheel.insert(id: 2, due: 1_010)
        #expect(wheel.advance(to: 1_009).isEmpty)
        #expect(wheel.advance(to: 1_010).map(\.id) == [1, 2])
        #expect(wheel.advance(to: 2_000).map(\.id) == [3])
        #expect(wheel.count == 0)
    }

    @Test func cascadesAcrossEveryLevelWithoutFiringEarlyOrLate() {
        // Due times at every level: ms, ~seconds, minutes, hours, and past the last level.
        let start: Int64 = 1_700_000_000_123
        var wheel = TimerWheel(now: start)
        let offsets: [Int64] = [
            0, 1, 63, 64, 65, 4_095, 4_096, 4_097, 262_143, 262_144, 300_000, 16_777_215,
            16_777_216, 20_000_000, 100_000_000,
        ]
        for (index, offset) in offsets.enumerated() { wheel.insert(id: Int64(index), due: start + offset) }
        var fired: [TimerWheel.Entry] = []
        var time = start - 1
        // Advance in uneven steps; every entry must come out exactly at the step that covers it.
        var step: Int64 = 1
        while time < start + 100_000_001 {
            time += step
            for entry in wheel.advance(to: time) {
                #expect(entry.due <= time, "fired early")
                #expect(entry.due > time - step, "fired late: due \(entry.due) at \(time)")
                fired.append(entry)
            }
            step = step >= 5_000_000 ? 7 : step * 3
        }
        #expect(Set(fired.map(\.id)) == Set(0..<Int64(offsets.count)))
        #expect(fired.count == offsets.count, "each fires once")
    }

    @Test func cancelAndRescheduleWin() {
        var wheel = TimerWheel(now: 0)
        wheel.insert(id: 1, due: 100)
        wheel.insert(id: 2, due: 5_000)
        wheel.remove(id: 1)
        wheel.insert(id: 2, due: 50)  // moved earlier
        wheel.insert(id: 3, due: 70)
        wheel.insert(id: 3, due: 9_000)  // moved later
        #expect(wheel.advance(to: 6_000).map(\.id) == [2])
        #expect(wheel.advance(to: 10_000).map(\.id) == [3])
    }

    @Test func manyTimersAtTheSameMillisecond() {
        var wheel = TimerWheel(now: 10)
        for id in 0..<10_000 { wheel.insert(id: Int64(id), due: 5_000) }
        #expect(wheel.advance(to: 4_999).isEmpty)
        let fired = wheel.advance(to: 5_000)
        #expect(fired.count == 10_000)
        #expect(fired.map(\.id) == (0..<10_000).map(Int64.init))
    }

    @Test func overdueTimersFireOnTheNextAdvance() {
        var wheel = TimerWheel(now: 1_000)
        _ = wheel.advance(to: 2_000)
        wheel.insert(id: 7, due: 1_500)
        #expect(wheel.nextWake() == wheel.current)
        #expect(wheel.advance(to: 2_000).map(\.id) == [7])
    }

    @Test func nextWakeIsNeverLateAndSkipsEmptyTime() {
        var wheel = TimerWheel(now: 0)
        #expect(wheel.nextWake() == nil)
        wheel.insert(id: 1, due: 40)
        #expect(wheel.nextWake() == 40)
        wheel.insert(id: 2, due: 10_000)
        _ = wheel.advance(to: 40)
        let wake = wheel.nextWake()!
        #expect(wake <= 10_000 && wake > 40)
        // Following the wake hints reaches the timer without visiting every millisecond.
        var visits = 0
        var fired: [Int64] = []
        while fired.isEmpty, visits < 100 {
            let at = wheel.nextWake()!
            fired = wheel.advance(to: at).map(\.id)
            visits += 1
        }
        #expect(fired == [2])
        #expect(visits <= 4)
    }
}
