import FaztRealtime
import Testing

@Suite struct RealtimeLimitsTests {
    @Test func defaultsMatchTheDocumentedLimits() {
        let limits = RealtimeLimits()
        #expect(limits.maxMessageBytes == 512 * 1024)
        #expect(limits.outboundBudgetBytes == 1 << 20)
        #expect(limits.pingIntervalSeconds == 30)
        #expect(limits.readTimeoutSeconds == 40)
    }
}
