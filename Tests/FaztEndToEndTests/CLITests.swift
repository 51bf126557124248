import FaztTestSupport
import Foundation
import Testing

/// The client commands against a real server, with their exit codes and --json output.
@Suite struct CLITests {
    @Test func loginDeployListRollbackAndDelete() throws {
        let server = try ServerProcess()
        let home = try TemporaryDirectory()
        let env = ["XDG_CONFIG_HOME": home.path]
        let url = "http://127.0.0.1:\(server.port)"
        func cli(_ arguments: [String]) throws -> (Int32, String, String) {
            try ServerProcess.runCLI(arguments, environment: env)
        }

        #expect(try cli(["apps"]).0 != 0)
        #expect(try cli(["login", url, "fzt_bad"]).0 != 0)
        let login = try cli(["login", url, try server.token()])
        #expect(login.0 == 0, "\(login.2)")
        let config = home.path + "/fazt/config.json"
        #expect((try FileManager.default.attributesOfItem(atPath: config)[.posixPermissions] as? Int) == 0o600)

        let site = try TemporaryDirectory()
        try "<h1>cli v1</h1>".write(toFile: site.path + "/index.html", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: site.path + "/.git", withIntermediateDirectories: true)
        try "secret".write(toFile: site.path + "/.git/config", atomically: true, encoding: .utf8)
        try "x".write(toFile: site.path + "/.env", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            atPath: site.path + "/node_modules/x",
            withIntermediateDirectories: true
        )
        try "x".write(toFile: site.path + "/node_modules/x/i.js", atomically: true, encoding: .utf8)

        let deployed = try cli(["deploy", site.path, "--app", "clisite"])
        #expect(deployed.0 == 0, "\(deployed.2)")
        #expect(deployed.1.split(separator: "\n").first == "http://clisite.localhost:\(server.port)/")
        #expect(try server.app("clisite", "/").text == "<h1>cli v1</h1>")
        #expect(try server.app("clisite", "/.env").status == 404)
        let info = try server.api("GET", "/apps/clisite")
        #expect(info.json["files"] as? Int == 1)

        try "<h1>cli v2</h1>".write(toFile: site.path + "/index.html", atomically: true, encoding: .utf8)
        let second = try cli(["deploy", site.path, "--app", "clisite", "--json", "--message", "second"])
        #expect(second.0 == 0)
        #expect(
            (try JSONSerialization.jsonObject(with: Data(second.1.utf8)) as? [String: Any])?["version"] as? Int == 2
        )

        let listed = try cli(["apps", "list", "--json"])
        let apps =
            (try JSONSerialization.jsonObject(with: Data(listed.1.utf8)) as? [String: Any])?["apps"] as? [[String: Any]]
        #expect(apps?.first?["name"] as? String == "clisite")
        #expect(try cli(["apps"]).1.contains("clisite"))
        #expect(try cli(["apps", "info", "clisite"]).1.contains("v2 of 2"))

        let versions = try cli(["versions", "clisite"])
        #expect(versions.0 == 0 && versions.1.contains("second"))
        #expect(try cli(["rollback", "clisite", "1"]).0 == 0)
        #expect(try server.app("clisite", "/").text == "<h1>cli v1</h1>")
        let badRollback = try cli(["rollback", "clisite", "9"])
        #expect(badRollback.0 != 0 && badRollback.2.contains("no version 9"))

        #expect(try cli(["deploy", site.path, "--app", "www"]).0 != 0)
        #expect(try cli(["apps", "delete", "clisite", "--yes"]).0 == 0)
        #expect(try server.app("clisite", "/").status == 404)
        #expect(try cli(["apps", "info", "clisite"]).0 != 0)
    }

    @Test func deployTakesTheNameFromTheManifestAndServerFromTheEnvironment() throws {
        let server = try ServerProcess()
        let site = try TemporaryDirectory()
        try #"{"name":"from-manifest"}"#.write(toFile: site.path + "/fazt.json", atomically: true, encoding: .utf8)
        try "hi".write(toFile: site.path + "/index.html", atomically: true, encoding: .utf8)
        let env = [
            "FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token(),
            "XDG_CONFIG_HOME": site.path,
        ]
        let result = try ServerProcess.runCLI(["deploy", site.path], environment: env)
        #expect(result.0 == 0, "\(result.2)")
        #expect(try server.app("from-manifest", "/").text == "hi")
    }

    @Test func helpDescribesTheCommands() throws {
        let (status, output, _) = try ServerProcess.runCLI(["--help"])
        #expect(status == 0)
        for command in ["serve", "token", "login", "deploy", "apps", "versions", "rollback"] {
            #expect(output.contains(command))
        }
        let serve = try ServerProcess.runCLI(["serve", "--help"]).1
        for flag in ["--port", "--host", "--data", "--domain", "--ai-stall-seconds"] { #expect(serve.contains(flag)) }
    }

    @Test func refusesAnAIStallTimeoutOutOfRange() throws {
        for value in ["0", "3601"] {
            let (status, _, error) = try ServerProcess.runCLI(["serve", "--ai-stall-seconds", value, "--port", "0"])
            #expect(status != 0)
            #expect(error.contains("--ai-stall-seconds must be between 1 and 3600"), "\(error)")
        }
    }

    @Test func showsAProgressBarOnATerminal() throws {
        let server = try ServerProcess()
        let site = try TemporaryDirectory()
        try "<h1>tty</h1>".write(toFile: site.path + "/index.html", atomically: true, encoding: .utf8)
        // script(1) gives the command a pseudo-terminal, as a person's shell would.
        let command = "\(ServerProcess.binaryPath) deploy \(site.path) --app ttysite"
        let env = [
            "FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token(),
            "XDG_CONFIG_HOME": site.path,
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        process.environment = ProcessInfo.processInfo.environment.merging(env) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try ServerProcess.launch(process)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("uploading [") && text.contains("100%"), "\(text)")
        #expect(text.contains("http://ttysite.localhost:\(server.port)/"))
        #expect(try server.app("ttysite", "/").text == "<h1>tty</h1>")
    }
}
