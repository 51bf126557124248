import FaztTestSupport
import Foundation
import Testing

/// The official Python SDK (PyPI `mcp`) against `/_fazt/mcp` through `scripts/mcp-interop.py`: the
/// 1.x client (initialize era) in `.venv`, the 2.x client in `.venv-mcp2` in its three modes (auto
/// probes server/discover, 2026-07-28 pinned, legacy). Each lists and calls every kernel tool.
///
/// `make venv` installs both; without them the test is skipped, or fails when `CI` is set.
@Suite struct MCPInteropTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let onCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    /// The venv's python when it has `mcp` of `major`, else nil.
    static func python(_ venv: String, major: Int) -> String? {
        let manager = FileManager.default
        let python = root.appendingPathComponent("\(venv)/bin/python3").path
        let lib = root.appendingPathComponent("\(venv)/lib").path
        let versions = (try? manager.contentsOfDirectory(atPath: lib)) ?? []
        for version in versions {
            let site = "\(lib)/\(version)/site-packages"
            let dists = (try? manager.contentsOfDirectory(atPath: site)) ?? []
            if manager.isExecutableFile(atPath: python), dists.contains(where: { $0.hasPrefix("mcp-\(major).") }) {
                return python
            }
        }
        return nil
    }

    static let v1 = python(".venv", major: 1)
    static let v2 = python(".venv-mcp2", major: 2)

    static func run(_ python: String, mode: String) throws {
        let (status, text) = try ServerProcess.runScript(
            python,
            [
                root.appendingPathComponent("scripts/mcp-interop.py").path, "--fazt", ServerProcess.binaryPath,
                "--mode", mode,
            ],
            in: root
        )
        let failing = text.split(separator: "\n").filter { $0.hasPrefix("FAIL ") }
        #expect(
            status == 0,
            "\(failing.count) checks fail:\n\(failing.joined(separator: "\n"))\n\n\(text.suffix(3000))"
        )
        #expect(text.contains("PASS") && text.contains("0 failing"), "\(text.suffix(2000))")
    }

    @Test(
        .enabled(if: v1 != nil || onCI, "mcp 1.x is not in .venv: run `make venv`"),
        .timeLimit(.minutes(2))
    )
    func pythonSDK1InitializeEra() throws {
        guard let python = Self.v1 else {
            Issue.record("CI is set and mcp 1.x is not in .venv (make venv)")
            return
        }
        try Self.run(python, mode: "legacy")
    }

    @Test(
        .enabled(if: v2 != nil || onCI, "mcp 2.x is not in .venv-mcp2: run `make venv`"),
        .timeLimit(.minutes(3)),
        arguments: ["auto", "2026-07-28", "legacy"]
    )
    func pythonSDK2(mode: String) throws {
        guard let python = Self.v2 else {
            Issue.record("CI is set and mcp 2.x is not in .venv-mcp2 (make venv)")
            return
        }
        try Self.run(python, mode: mode)
    }
}
