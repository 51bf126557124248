import ArgumentParser
import Foundation
import Glibc

/// `fazt service install|unit|status|logs|uninstall`: run the server as a hardened systemd service.
struct ServiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Install, inspect and remove the systemd service that runs 'fazt serve'.",
        discussion: """
            'fazt service install' writes /etc/systemd/system/fazt.service (a hardened unit: a dynamic \
            user, the database in /var/lib/fazt, only CAP_NET_BIND_SERVICE, a read-only system), then \
            enables and starts it when systemd runs. 'fazt service unit' prints the unit instead.
            """,
        subcommands: [Install.self, Unit.self, Status.self, Logs.self, Uninstall.self]
    )

    static let defaultUnitPath = "/etc/systemd/system/fazt.service"

    /// What the unit runs, shared by `install` and `unit`.
    struct UnitOptions: ParsableArguments {
        @Option(help: "The database (default: /var/lib/fazt/data.db, the service's state directory).")
        var data = "/var/lib/fazt/data.db"
        @Option(help: "The port to listen on.") var port = 80
        @Option(help: "Apps are served at <app>.<domain>.") var domain: String?
        @Option(name: .customLong("public-url"), help: "How people reach the server (see 'fazt serve --help').")
        var publicURL: String?
        @Option(
            help:
                "The fazt binary the service runs (default: this one, copied to /usr/local/bin when it is under /home or /root)."
        )
        var binary: String?
        @Flag(
            help: "Serve HTTPS on 443 with certificates obtained automatically (ACME); needs --domain and --email."
        )
        var https = false
        @Option(help: "The ACME account's e-mail (with --https).") var email: String?

        func validate() throws {
            if https {
                guard let domain, !domain.isEmpty, domain != "localhost" else {
                    throw ValidationError("--https needs --domain (the name DNS points at this server)")
                }
                guard let email, email.contains("@") else {
                    throw ValidationError("--https needs --email (the CA writes there about the certificates)")
                }
            } else if email != nil {
                throw ValidationError("--email only goes with --https")
            }
            guard data.hasPrefix("/") else { throw ValidationError("--data must be an absolute path (got '\(data)')") }
            guard (1...65_535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
            if let publicURL { _ = try ServeCommand.publicOrigin(publicURL, domain: domain ?? "localhost") }
        }

        /// The unit for `executable`.
        func unit(executable: String) -> SystemdUnit {
            SystemdUnit(
                executable: executable,
                data: data,
                port: port,
                domain: domain,
                publicURL: publicURL,
                httpsEmail: https ? email : nil
            )
        }
    }

    struct Unit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the unit 'install' would write.")
        @OptionGroup var unitOptions: UnitOptions

        func run() throws {
            print(
                unitOptions.unit(executable: unitOptions.binary ?? ServiceCommand.currentExecutable()).text,
                terminator: ""
            )
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the hardened unit, then enable and start it (when systemd runs).",
            discussion: "Needs root (sudo). Prints each step. Run it again to change the flags."
        )
        @OptionGroup var unitOptions: UnitOptions
        @Option(name: .customLong("unit-path"), help: "Where to write the unit.")
        var unitPath = ServiceCommand.defaultUnitPath
        @Flag(name: .customLong("no-start"), help: "Only write the unit: do not enable or start it.") var noStart =
            false

        func run() throws {
            var executable = unitOptions.binary ?? ServiceCommand.currentExecutable()
            // ProtectHome hides /home and /root from the service: a binary there could not start.
            if unitOptions.binary == nil, executable.hasPrefix("/home/") || executable.hasPrefix("/root/") {
                let target = "/usr/local/bin/fazt"
                try? FileManager.default.removeItem(atPath: target)
                do {
                    try FileManager.default.copyItem(atPath: executable, toPath: target)
                } catch {
                    throw CLIError("cannot copy \(executable) to \(target) (run with sudo, or pass --binary): \(error)")
                }
                print("copied \(executable) to \(target) (the service cannot run a binary under /home)")
                executable = target
            }
            let text = unitOptions.unit(executable: executable).text
            do {
                try text.write(toFile: unitPath, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("cannot write \(unitPath) (run with sudo?): \(error)")
            }
            print("wrote \(unitPath)")
            guard !noStart else { return }
            guard ServiceCommand.systemdRuns else {
                print(
                    "systemd is not running here: start it later with 'systemctl daemon-reload && systemctl enable --now fazt'"
                )
                return
            }
            try ServiceCommand.systemctl(["daemon-reload"])
            try ServiceCommand.systemctl(["enable", "--now", "fazt"])
            print(
                "enabled and started fazt.service; 'fazt service status' shows it, 'fazt service logs' follows its log"
            )
            if unitOptions.data == "/var/lib/fazt/data.db" {
                print("the first owner token is in the log: journalctl -u fazt | grep -A3 'first owner token'")
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the service's state (systemctl status fazt).")
        func run() throws { try ServiceCommand.exec("/usr/bin/systemctl", ["status", "--no-pager", "fazt"]) }
    }

    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Follow the service's log (journalctl -u fazt -f).")
        @Option(help: "Lines of history to show first.") var lines = 100
        func run() throws { try ServiceCommand.exec("/usr/bin/journalctl", ["-u", "fazt", "-n", String(lines), "-f"]) }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop and disable the service and remove its unit (the database stays)."
        )
        @Option(name: .customLong("unit-path"), help: "The unit to remove.") var unitPath = ServiceCommand
            .defaultUnitPath

        func run() throws {
            if ServiceCommand.systemdRuns { try? ServiceCommand.systemctl(["disable", "--now", "fazt"]) }
            guard FileManager.default.fileExists(atPath: unitPath) else {
                throw CLIError("\(unitPath) does not exist: nothing to uninstall")
            }
            do {
                try FileManager.default.removeItem(atPath: unitPath)
            } catch {
                throw CLIError("cannot remove \(unitPath) (run with sudo?): \(error)")
            }
            if ServiceCommand.systemdRuns { try? ServiceCommand.systemctl(["daemon-reload"]) }
            print("removed \(unitPath); the data stays in /var/lib/fazt (or the --data folder you chose)")
        }
    }

    /// Whether systemd is the init system here (`/run/systemd/system` exists).
    static var systemdRuns: Bool { FileManager.default.fileExists(atPath: "/run/systemd/system") }

    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs `systemctl ARGS`, printing it; a failure names the command.
    static func systemctl(_ arguments: [String]) throws {
        print("systemctl \(arguments.joined(separator: " "))")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemctl")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError("systemctl \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus))")
        }
    }

    /// Replaces this process with `path ARGS` (status and logs hand the terminal over).
    static func exec(_ path: String, _ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CLIError("\(path) is not here: this machine does not run systemd")
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        throw CLIError("cannot run \(path): errno \(errno)")
    }
}
