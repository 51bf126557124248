import FaztTestSupport
import Foundation
import Testing

/// The mock provider the AI tests rely on speaks each vendor's exact format and fault
/// (scripts/mock-ai-provider-selftest.py: raw HTTP against every endpoint and scenario).
@Suite struct MockAIProviderSelfTests {
    @Test(.timeLimit(.minutes(1)))
    func theMockPassesItsOwnChecks() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", MockAIProvider.root.path + "/scripts/mock-ai-provider-selftest.py"]
        process.currentDirectoryURL = MockAIProvider.root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text.split(separator: "\n").filter { $0.hasPrefix("FAIL") })")
        #expect(text.contains("PASS: all checks"))
    }
}
