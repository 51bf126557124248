import FaztAI
import Testing

@Suite struct AIStreamEventTests {
    @Test func textDeltasCompare() {
        #expect(AIStreamEvent.textDelta("a") == .textDelta("a"))
    }
}
