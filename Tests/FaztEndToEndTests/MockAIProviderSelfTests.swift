import FaztTestSupport
import Foundation
import Testing

/// The mock provider the AI tests rely on speaks each vendor's exact format and fault
/// (scripts/mock-ai-provider-selftest.py: raw HTTP against every endpoint and scenario).
@Suite struct MockAIProviderSelfTests {
    @Test(.timeLimit(.minutes(1)))
    func theMockPassesItsOwnChecks() throws {
        let (status, text) = try ServerProcess.runScript(
            "/usr/bin/env",
            ["python3", MockAIProvider.root.path + "/scripts/mock-ai-provider-selftest.py"],
            in: MockAIProvider.root
        )
        #expect(status == 0, "\(text.split(separator: "\n").filter { $0.hasPrefix("FAIL") })")
        #expect(text.contains("PASS: all checks"))
    }
}
