import Testing

@testable import FaztServer

@Suite struct HTTPConnectionStateMachineTests {
    typealias Machine = HTTPConnectionStateMachine<String>

    /// Feeds `part` and handles it as the channel handler would, returning what was processed.
    private func feed(_ machine: inout Machine, _ part: String, limit: Int = 10) -> String? {
        guard case .process(let part) = machine.read(part, isHead: part.hasPrefix("head")) else { return nil }
        if part.hasPrefix("head") {
            _ = machine.head(declaredLength: nil, limit: limit)
        } else if part.hasPrefix("end") {
            _ = machine.end()
        } else {
            _ = machine.body(bytes: part.count)
        }
        return part
    }

    @Test func pipelinedRequestsWaitForTheResponseAndReplayInOrder() {
        var machine = Machine()
        do {
            let value = feed(&machine, "head1")
            #expect(value == "head1")
        }
        do {
            let value = feed(&machine, "end1")
            #expect(value == "end1")
        }
        #expect(machine.state == .awaitingResponse)
        do {
            let value = feed(&machine, "head2")
            #expect(value == nil)
        }
        do {
            let value = feed(&machine, "end2")
            #expect(value == nil)
        }
        #expect(machine.queuedParts == 2)
        do {
            let value = machine.responseWritten(keepAlive: true)
            #expect(value == .drain)
        }
        do {
            let value = machine.nextQueued()
            #expect(value == "head2")
        }
        _ = machine.head(declaredLength: nil, limit: 10)
        do {
            let value = machine.nextQueued()
            #expect(value == "end2")
        }
        do {
            let value = machine.end()
            #expect(value)
        }
        do {
            let value = machine.nextQueued()
            #expect(value == nil)
        }
        do {
            let value = machine.responseWritten(keepAlive: true)
            #expect(value == .drain)
        }
        #expect(machine.state == .idle)
    }

    @Test func declaredBodyOverTheLimitIsRejectedBeforeReading() {
        var machine = Machine()
        do {
            let value = machine.head(declaredLength: 11, limit: 10)
            #expect(value == .rejectTooLarge(limit: 10))
        }
        #expect(machine.requestInFlight)
        do {
            let value = machine.body(bytes: 5)
            #expect(value == .ignore)
        }
        do {
            let value = machine.end()
            #expect(!value)
        }
        do {
            let value = machine.responseWritten(keepAlive: false)
            #expect(value == .close)
        }
        #expect(machine.state == .closing)
        do {
            let value = machine.responseWritten(keepAlive: true)
            #expect(value == .ignore)
        }
    }

    @Test func chunkedBodyOverTheLimitIsRejectedOnceAndTheRestIgnored() {
        var machine = Machine()
        do {
            let value = machine.head(declaredLength: nil, limit: 10)
            #expect(value == .receive(id: 1))
        }
        do {
            let value = machine.body(bytes: 6)
            #expect(value == .accept)
        }
        do {
            let value = machine.body(bytes: 6)
            #expect(value == .rejectTooLarge(limit: 10))
        }
        do {
            let value = machine.body(bytes: 6)
            #expect(value == .ignore)
        }
        guard case .ignore = machine.read("body", isHead: false) else {
            Issue.record("a body part after a rejection is processed")
            return
        }
        guard case .queued = machine.read("head2", isHead: true) else {
            Issue.record("a pipelined head after a rejection is not held")
            return
        }
        do {
            let value = machine.end()
            #expect(!value)
        }
        do {
            let value = machine.nextQueued()
            #expect(value == nil)
        }
        do {
            let value = machine.responseWritten(keepAlive: false)
            #expect(value == .close)
        }
        #expect(machine.queuedParts == 0)
    }

    @Test func asyncChecksOnlyActOnTheRequestStillReceiving() {
        var machine = Machine()
        guard case .receive(let first) = machine.head(declaredLength: 3, limit: 10) else {
            Issue.record("a small request is rejected")
            return
        }
        #expect(machine.isReceiving(first))
        do {
            let value = machine.end()
            #expect(value)
        }
        #expect(!machine.isReceiving(first))
        _ = machine.responseWritten(keepAlive: true)
        _ = machine.head(declaredLength: nil, limit: 10)
        #expect(!machine.isReceiving(first))
        machine.abandon()
        #expect(machine.state == .abandoned)
    }

    @Test func readsPauseWhileTheQueueIsFullAndResumeAfterDraining() {
        var machine = Machine(limits: .init(maxQueuedParts: 2))
        _ = feed(&machine, "head1")
        _ = feed(&machine, "end1")
        do {
            let value = machine.readRequested()
            #expect(value)
        }
        _ = feed(&machine, "head2")
        _ = feed(&machine, "end2")
        do {
            let value = machine.readRequested()
            #expect(!value)
        }
        #expect(machine.readsPaused)
        do {
            let value = machine.drained()
            #expect(!value)
        }
        do {
            let value = machine.responseWritten(keepAlive: true)
            #expect(value == .drain)
        }
        while let part = machine.nextQueued() {
            if part.hasPrefix("head") { _ = machine.head(declaredLength: nil, limit: 10) } else { _ = machine.end() }
        }
        do {
            let value = machine.drained()
            #expect(value)
        }
        #expect(!machine.readsPaused)
        do {
            let value = machine.readRequested()
            #expect(value)
        }
    }

    @Test func readsPauseWhileTheSpoolBacklogIsHighAndResumeBelowTheLowMark() {
        var machine = Machine(limits: .init(pauseSpoolBytes: 100, resumeSpoolBytes: 50))
        _ = machine.head(declaredLength: nil, limit: 1000)
        machine.spoolQueued(bytes: 120)
        do {
            let value = machine.readRequested()
            #expect(!value)
        }
        do {
            let value = machine.spoolWritten(bytes: 60)
            #expect(!value)
        }
        #expect(machine.readsPaused)
        do {
            let value = machine.spoolWritten(bytes: 60)
            #expect(value)
        }
        #expect(!machine.readsPaused)
        do {
            let value = machine.spoolWritten(bytes: 0)
            #expect(!value)
        }
    }

    @Test func readsPauseWhileTheChannelIsUnwritableAndResumeWhenItDrains() {
        var machine = Machine(limits: .init(maxQueuedParts: 2))
        do {
            let value = machine.writabilityChanged(isWritable: false)
            #expect(!value)
        }
        do {
            let value = machine.readRequested()
            #expect(!value)
        }
        #expect(machine.readsPaused)
        do {
            let value = machine.writabilityChanged(isWritable: true)
            #expect(value)
        }
        #expect(!machine.readsPaused)
        do {
            // Writable again, but the queue is full: the read stays held until the queue drains.
            _ = feed(&machine, "head1")
            _ = feed(&machine, "end1")
            _ = feed(&machine, "head2")
            _ = feed(&machine, "end2")
            _ = machine.writabilityChanged(isWritable: false)
            let held = machine.readRequested()
            #expect(!held)
            let resumed = machine.writabilityChanged(isWritable: true)
            #expect(!resumed)
            #expect(machine.readsPaused)
        }
    }

    @Test func aDrainedQueueDoesNotResumeReadsWhileUnwritable() {
        var machine = Machine(limits: .init(maxQueuedParts: 2))
        _ = feed(&machine, "head1")
        _ = feed(&machine, "end1")
        _ = feed(&machine, "head2")
        _ = feed(&machine, "end2")
        _ = machine.readRequested()
        _ = machine.writabilityChanged(isWritable: false)
        _ = machine.responseWritten(keepAlive: true)
        while let part = machine.nextQueued() {
            if part.hasPrefix("head") { _ = machine.head(declaredLength: nil, limit: 10) } else { _ = machine.end() }
        }
        do {
            let value = machine.drained()
            #expect(!value)
        }
        do {
            let value = machine.writabilityChanged(isWritable: true)
            #expect(value)
        }
    }

    @Test func aClosedChannelDropsTheResponseBeingProducedAndTheQueue() {
        var machine = Machine()
        _ = feed(&machine, "head1")
        _ = feed(&machine, "end1")
        _ = feed(&machine, "head2")
        machine.closed()
        #expect(machine.queuedParts == 0)
        do {
            let value = machine.responseWritten(keepAlive: true)
            #expect(value == .ignore)
        }
        #expect(machine.nextQueued() == nil)
    }

    @Test func closingDropsEverything() {
        var machine = Machine()
        _ = feed(&machine, "head1")
        _ = feed(&machine, "end1")
        _ = feed(&machine, "head2")
        do {
            let value = machine.responseWritten(keepAlive: false)
            #expect(value == .close)
        }
        #expect(machine.queuedParts == 0)
        guard case .ignore = machine.read("head3", isHead: true) else {
            Issue.record("a part after close is processed")
            return
        }
        #expect(!machine.requestInFlight)
    }
}
