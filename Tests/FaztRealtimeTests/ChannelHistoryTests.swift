import FaztVFS
import Testing

@testable import FaztRealtime

/// Recovery is exact: a client gets every message after its offset, or is told it cannot.
@Suite struct ChannelHistoryTests {
    func history(messages: Int = 100, bytes: Int = 1 << 20, ageMs: Int64 = 120_000) -> ChannelHistory {
        ChannelHistory(epoch: "e1", limits: .init(maxMessages: messages, maxBytes: bytes, maxAgeMs: ageMs))
    }

    func offsets(_ recovery: ChannelHistory.Recovery) -> [UInt64]? {
        guard case .recovered(let entries) = recovery else { return nil }
        return entries.map(\.offset)
    }

    @Test func offsetsStartAtOneAndIncreaseWithoutGaps() {
        var channel = history(messages: 3)
        #expect(channel.lastOffset == 0)
        let offsets = (0..<10).map { channel.append(data: "\($0)", now: 1000).offset }
        #expect(offsets == Array(1...10))
        #expect(channel.lastOffset == 10 && channel.count == 3)
    }

    @Test func recoversExactlyTheMissedMessages() {
        var channel = history()
        for index in 1...5 { _ = channel.append(data: #"{"n":\#(index)}"#, now: Int64(index)) }
        guard case .recovered(let missed) = channel.since(offset: 2, epoch: "e1", now: 10) else {
            Issue.record("expected recovery")
            return
        }
        #expect(missed.map(\.offset) == [3, 4, 5])
        #expect(missed.map(\.data) == [#"{"n":3}"#, #"{"n":4}"#, #"{"n":5}"#])
        #expect(missed.map(\.timestampMs) == [3, 4, 5])
        #expect(channel.since(offset: 5, epoch: "e1", now: 10) == .recovered([]))
        #expect(offsets(channel.since(offset: 0, epoch: "e1", now: 10)) == [1, 2, 3, 4, 5])
    }

    @Test func anOffsetFromTheFutureOrAnotherEpochIsNotRecovered() {
        var channel = history()
        _ = channel.append(data: "1", now: 0)
        #expect(channel.since(offset: 2, epoch: "e1", now: 0) == .notRecovered)
        #expect(channel.since(offset: 0, epoch: "e0", now: 0) == .notRecovered)
        #expect(channel.since(offset: 1, epoch: "e0", now: 0) == .notRecovered)
        #expect(channel.since(offset: 1, epoch: "", now: 0) == .notRecovered)
    }

    @Test func theWindowIsExceededByCount() {
        var channel = history(messages: 3)
        for index in 1...5 { _ = channel.append(data: "\(index)", now: 0) }
        #expect(offsets(channel.since(offset: 2, epoch: "e1", now: 0)) == [3, 4, 5])
        #expect(channel.since(offset: 1, epoch: "e1", now: 0) == .notRecovered)
        #expect(channel.since(offset: 0, epoch: "e1", now: 0) == .notRecovered)
    }

    @Test func theWindowIsExceededByBytes() {
        var channel = history(bytes: 10)
        for data in ["aaaa", "bbbb", "cccc"] { _ = channel.append(data: data, now: 0) }
        #expect(channel.count == 2 && channel.bytes == 8)
        #expect(offsets(channel.since(offset: 1, epoch: "e1", now: 0)) == [2, 3])
        #expect(channel.since(offset: 0, epoch: "e1", now: 0) == .notRecovered)
        // A message larger than the whole budget is not kept at all, but still takes its offset.
        let big = channel.append(data: String(repeating: "x", count: 11), now: 0)
        #expect(big.offset == 4 && channel.count == 0 && channel.bytes == 0)
        #expect(channel.since(offset: 3, epoch: "e1", now: 0) == .notRecovered)
        #expect(channel.since(offset: 4, epoch: "e1", now: 0) == .recovered([]))
    }

    @Test func theWindowIsExceededByAgeEvenBeforePruning() {
        var channel = history(ageMs: 1000)
        _ = channel.append(data: "1", now: 0)
        _ = channel.append(data: "2", now: 500)
        _ = channel.append(data: "3", now: 900)
        #expect(offsets(channel.since(offset: 0, epoch: "e1", now: 1000)) == [1, 2, 3])
        #expect(channel.since(offset: 0, epoch: "e1", now: 1001) == .notRecovered)
        #expect(offsets(channel.since(offset: 1, epoch: "e1", now: 1001)) == [2, 3])
        #expect(channel.count == 3)
        channel.prune(now: 1600)
        #expect(channel.count == 1 && channel.bytes == 1)
        #expect(offsets(channel.since(offset: 2, epoch: "e1", now: 1600)) == [3])
        // Up to date is recovered however old the history is.
        #expect(channel.since(offset: 3, epoch: "e1", now: 10_000) == .recovered([]))
        channel.prune(now: 10_000)
        #expect(channel.count == 0 && channel.lastOffset == 3)
    }

    @Test func timestampsNeverGoBackwards() {
        var channel = history()
        _ = channel.append(data: "1", now: 5000)
        let second = channel.append(data: "2", now: 4000)
        #expect(second.timestampMs == 5000)
    }

    @Test func anEmptyEpochWithOffsetZeroReadsFromTheStartOfAnyEpoch() {
        var channel = history(messages: 2)
        #expect(channel.since(offset: 0, epoch: "", now: 0) == .recovered([]))
        _ = channel.append(data: "1", now: 0)
        _ = channel.append(data: "2", now: 0)
        #expect(offsets(channel.since(offset: 0, epoch: "", now: 0)) == [1, 2])
        _ = channel.append(data: "3", now: 0)
        #expect(channel.since(offset: 0, epoch: "", now: 0) == .notRecovered)
    }

    @Test func noHistoryRecoversOnlyTheUpToDate() {
        var channel = history(messages: 0)
        _ = channel.append(data: "1", now: 0)
        #expect(channel.count == 0)
        #expect(channel.since(offset: 1, epoch: "e1", now: 0) == .recovered([]))
        #expect(channel.since(offset: 0, epoch: "e1", now: 0) == .notRecovered)
    }

    @Test func theRingKeepsOrderAcrossWrapAround() {
        var channel = history(messages: 5)
        for index in 1...23 { _ = channel.append(data: "\(index)", now: 0) }
        guard case .recovered(let kept) = channel.since(offset: 18, epoch: "e1", now: 0) else {
            Issue.record("expected recovery")
            return
        }
        #expect(kept.map(\.data) == ["19", "20", "21", "22", "23"])
    }

    @Test func epochsAreSixteenHexDigitsAndDiffer() {
        let epochs = (0..<20).map { _ in ChannelHistory.newEpoch() }
        #expect(epochs.allSatisfy { $0.count == 16 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
        #expect(Set(epochs).count == 20)
        #expect(ChannelHistory().epoch != ChannelHistory().epoch)
    }

    @Test func limitsFollowAManifestRule() throws {
        let rule = ChannelRule(pattern: try #require(ChannelPattern("chat-*")), history: 7, historySeconds: 30)
        #expect(ChannelHistory.Limits(rule) == .init(maxMessages: 7, maxBytes: 1 << 20, maxAgeMs: 30_000))
        #expect(ChannelHistory.Limits(.default) == .init())
    }
}
