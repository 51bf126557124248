import FaztTestSupport
import Foundation
import Testing

/// The assistant template (`fazt create NAME --template assistant`) in headless Chromium, through
/// `scripts/assistant-browser.py` and Selenium: a streamed answer, a reload mid-answer, a refused
/// origin, the hand-off and the owner's reply. Screenshots go to `$ASSISTANT_SCREENSHOTS` when set
/// (`ASSISTANT_SCREENSHOTS=docs/screenshots` refreshes the committed ones).
///
/// Needs chromium, chromium-driver and selenium in `.venv`, which `make test` installs: without them
/// the test is skipped, or fails when `CI` is set.
@Suite struct AssistantBrowserTests {
    /// The repository root, three levels above this file.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let python = root.appendingPathComponent(".venv/bin/python3").path

    /// What is missing, in words, or nil when everything is there.
    static let missing: String? = {
        let manager = FileManager.default
        var absent: [String] = []
        if !manager.isExecutableFile(atPath: "/usr/bin/chromium") { absent.append("chromium") }
        if !manager.isExecutableFile(atPath: "/usr/bin/chromedriver") { absent.append("chromium-driver") }
        let lib = root.appendingPathComponent(".venv/lib").path
        let versions = (try? manager.contentsOfDirectory(atPath: lib)) ?? []
        let selenium = versions.contains { manager.fileExists(atPath: "\(lib)/\($0)/site-packages/selenium") }
        if !manager.isExecutableFile(atPath: python) || !selenium { absent.append("selenium in .venv") }
        guard !absent.isEmpty else { return nil }
        return
            "the assistant's browser test needs \(absent.joined(separator: ", ")): run `make test` (it installs them)"
    }()
    static let onCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    @Test(
        .enabled(if: missing == nil || onCI, "\(missing ?? "")"),
        .timeLimit(.minutes(5))
    )
    func widgetStreamsSurvivesReloadRefusesOtherOriginsAndHandsOff() throws {
        if let missing = Self.missing {
            Issue.record("CI is set and \(missing)")
            return
        }
        let (status, text) = try ServerProcess.runScript(
            Self.python,
            [
                Self.root.appendingPathComponent("scripts/assistant-browser.py").path, "--fazt",
                ServerProcess.binaryPath,
            ],
            in: Self.root
        )
        // The script prints "PASS <check>: …" or "FAIL <check>: …" for each check.
        let failing = text.split(separator: "\n").filter { $0.hasPrefix("FAIL ") }
        #expect(
            status == 0,
            "\(failing.count) browser checks fail:\n\(failing.joined(separator: "\n"))\n\nfull output:\n\(text)"
        )
        for check in ["answer", "reload", "evil", "handoff"] {
            #expect(text.contains("PASS \(check):"), "no PASS line for \(check):\n\(text)")
        }
    }
}
