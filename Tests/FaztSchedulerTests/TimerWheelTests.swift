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

    @Test func wakesForABlockReachedButNotYetCascaded() throws {
        // An advance that stops right before a block boundary leaves the wheel on that boundary
        // with the block's timers still one level up: the wake-up must be the boundary itself.
        var wheel = TimerWheel(now: 0)
        wheel.insert(id: 1, due: 64)
        wheel.insert(id: 2, due: 4_096)
        wheel.insert(id: 3, due: 4_100)
        #expect(wheel.advance(to: 63).isEmpty)
        #expect(wheel.nextWake() == 64)
        #expect(wheel.advance(to: 64).map(\.id) == [1])
        #expect(wheel.advance(to: 4_095).isEmpty)
        #expect(wheel.nextWake() == 4_096)
        #expect(wheel.advance(to: 4_096).map(\.id) == [2])
        #expect(wheel.nextWake() == 4_100)
    }

    @Test func matchesAReferenceUnderRandomUse() throws {
        // Random inserts, moves, cancels and uneven advances against a plain dictionary: the same
        // timers fire at the same steps, and the wake-up hint is never after the earliest timer.
        var random = SeededRandom(seed: 42)
        let start: Int64 = 1_700_000_000_000 + 17
        var wheel = TimerWheel(now: start)
        var reference: [Int64: Int64] = [:]
        var time = start - 1
        for round in 0..<20_000 {
            for _ in 0..<Int(random.next() % 4) {
                let id = Int64(random.next() % 500)
                switch random.next() % 4 {
                case 0:
                    wheel.remove(id: id)
                    reference[id] = nil
                default:
                    let span: Int64 = [70, 5_000, 300_000][Int(random.next() % 3)]
                    let due = time - 3 + Int64(random.next() % UInt64(span))
                    wheel.insert(id: id, due: due)
                    reference[id] = due
                }
            }
            if let earliest = reference.values.min() {
                let wake = try #require(wheel.nextWake(), "round \(round): timers held but no wake-up")
                #expect(wake <= max(earliest, wheel.current), "round \(round): wakes at \(wake), due \(earliest)")
            }
            // Mostly small steps (as the scheduler takes), sometimes exactly to the wake-up hint.
            let hint = wheel.nextWake()
            if random.next() % 3 == 0, let hint, hint > time {
                time = hint
            } else {
                time += Int64(random.next() % 70)
            }
            let fired = wheel.advance(to: time)
            let due = reference.filter { $0.value <= time }
            #expect(Set(fired.map(\.id)) == Set(due.keys), "round \(round)")
            #expect(fired.count == due.count)
            for id in due.keys { reference[id] = nil }
        }
    }
}

/// A small deterministic generator (SplitMix64) so a failure replays the same way.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
