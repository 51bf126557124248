import ArgumentParser
import Foundation

/// `fazt doctor`: checks an installation, running or stopped, and says how to fix what is wrong.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check this installation (running or stopped) and print fixes.",
        discussion: """
            Checks, on this machine: the database file, whether a server runs on it, the WAL's size, the \
            free disk space beside it, PRAGMA integrity_check (read-only; takes a few seconds per GB), the \
            last backup, the TLS certificates stored by --https, and the systemd unit. With a domain: its DNS and a made-up app name (answered \
            only by a wildcard record), ports 80 and 443, the certificate served, and this machine's \
            clock against the ACME server's Date.

            The data file and domain default to those of the installed service (its unit's ExecStart), \
            else ./data.db. Each line reads 'ok', 'warn', 'fail' or 'skip', then the check and what it \
            found; a 'fix:' line follows each warning and failure. Exits 1 when any check fails.
            """
    )

    static let letsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

    @Option(help: "The database file (default: the service's, else ./data.db).") var data: String?
    @Option(help: "The domain apps are served under (default: the service's --domain).") var domain: String?
    @Option(name: .customLong("http-port"), help: "The plain HTTP port to check.") var httpPort = 80
    @Option(name: .customLong("https-port"), help: "The HTTPS port to check.") var httpsPort = 443
    @Option(name: .customLong("acme-directory"), help: "The ACME server whose clock to compare.")
    var acmeDirectory = DoctorCommand.letsEncrypt
    @Option(
        name: .customLong("acme-ca-file"),
        help: "A CA certificate (PEM) to trust for the ACME server and the served certificate (a private CA)."
    )
    var caFile: String?
    @Option(name: .customLong("unit-path"), help: "The systemd unit to check.")
    var unitPath = ServiceCommand.defaultUnitPath
    @Flag(help: "Print the checks as JSON.") var json = false
    @Flag(help: "Skip the checks that use the network (DNS, ports, certificate served, clock).") var offline = false

    func validate() throws {
        guard (1...65_535).contains(httpPort), (1...65_535).contains(httpsPort) else {
            throw ValidationError("--http-port and --https-port must be between 1 and 65535")
        }
    }

    func run() throws {
        let unit = try? String(contentsOfFile: unitPath, encoding: .utf8)
        let servedData = unit.flatMap { Self.option("--data", in: $0) }
        let path = data ?? servedData ?? "./data.db"
        let local = LocalDoctor(data: URL(fileURLWithPath: path).standardizedFileURL.path, unitPath: unitPath)
        var checks = local.checks { line in
            if !json { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        let network = NetworkDoctor(
            domain: domain ?? unit.flatMap { Self.option("--domain", in: $0) },
            httpPort: httpPort,
            httpsPort: httpsPort,
            acmeDirectory: acmeDirectory,
            caFile: caFile
        )
        if !offline { checks += network.checks() }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(["checks": checks]), as: UTF8.self))
        } else {
            for check in checks {
                print(
                    "\(check.level.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) "
                        + "\(check.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(check.detail)"
                )
                if let fix = check.fix { print("      fix: \(fix)") }
            }
            let failed = checks.filter { $0.level == .fail }.count
            let warned = checks.filter { $0.level == .warn }.count
            print(failed + warned == 0 ? "all checks passed" : "\(failed) failed, \(warned) warnings")
        }
        if checks.contains(where: { $0.level == .fail }) { throw ExitCode(1) }
    }

    /// The value of `--name VALUE` (or `--name=VALUE`) on the unit's ExecStart line.
    static func option(_ name: String, in unit: String) -> String? {
        guard let line = unit.split(separator: "\n").first(where: { $0.hasPrefix("ExecStart=") }) else { return nil }
        let words = line.split(separator: " ").map(String.init)
        for (index, word) in words.enumerated() {
            if word == name, index + 1 < words.count { return words[index + 1] }
            if word.hasPrefix(name + "=") { return String(word.dropFirst(name.count + 1)) }
        }
        return nil
    }
}
