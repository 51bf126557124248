import FaztTestSupport
import Foundation
import Testing

/// Autobahn's RFC 6455 cases (groups 1–7 and 10) against an echo app on the real binary, through
/// `scripts/conformance.py` and kosoku (installed in `.venv` by `make venv`).
@Suite struct ConformanceTests {
    /// The repository root, three levels above this file.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let kosoku = root.appendingPathComponent(".venv/bin/kosoku").path
    static let kosokuInstalled = FileManager.default.isExecutableFile(atPath: kosoku)

    @Test(
        .enabled(if: kosokuInstalled, "kosoku is not installed in .venv: run `make venv` to include this test"),
        .timeLimit(.minutes(5))
    )
    func passesAutobahnCoreGroups() throws {
        let (status, text) = try ServerProcess.runScript(
            "/usr/bin/env",
            [
                "python3", Self.root.appendingPathComponent("scripts/conformance.py").path,
                "--fazt", ServerProcess.binaryPath, "--kosoku", Self.kosoku,
            ],
            in: Self.root
        )
        // The script prints "FAIL <case>: behavior …, close …" for each case that did not pass.
        let failing = text.split(separator: "\n").filter { $0.hasPrefix("FAIL ") }
        #expect(
            status == 0,
            "\(failing.count) Autobahn cases fail:\n\(failing.joined(separator: "\n"))\n\nfull output:\n\(text)"
        )
    }
}
