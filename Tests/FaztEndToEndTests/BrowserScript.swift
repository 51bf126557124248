import FaztTestSupport
import Foundation
import Testing

/// A Selenium script under `scripts/` run against the built binary in headless Chromium.
///
/// Needs chromium, chromium-driver and selenium in `.venv`, which `make test` installs: without
/// them a test is skipped, or fails when `CI` is set. Scripts print `PASS <check>: …` or
/// `FAIL <check>: …` per check.
enum BrowserScript {
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
        return "browser tests need \(absent.joined(separator: ", ")): run `make test` (it installs them)"
    }()
    static let onCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty
    /// Whether browser tests run here: everything is installed, or CI must fail without it.
    static let enabled = missing == nil || onCI

    /// Runs `scripts/NAME` and expects exit 0 and a PASS line for every check.
    static func run(_ script: String, checks: [String]) throws {
        if let missing {
            Issue.record("CI is set and \(missing)")
            return
        }
        let (status, text) = try ServerProcess.runScript(
            python,
            [root.appendingPathComponent("scripts/\(script)").path, "--fazt", ServerProcess.binaryPath],
            in: root
        )
        let failing = text.split(separator: "\n").filter { $0.hasPrefix("FAIL ") }
        #expect(
            status == 0,
            "\(failing.count) browser checks fail:\n\(failing.joined(separator: "\n"))\n\nfull output:\n\(text)"
        )
        for check in checks {
            #expect(text.contains("PASS \(check):"), "no PASS line for \(check):\n\(text)")
        }
    }
}
