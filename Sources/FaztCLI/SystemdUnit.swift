/// The hardened systemd unit `fazt service install` writes (ops research §4.3: exposure ≈ 1.6 in
/// `systemd-analyze security`).
///
/// `DynamicUser` with `StateDirectory=fazt` (the database lives in `/var/lib/fazt`), only
/// `CAP_NET_BIND_SERVICE`, a read-only system, private `/tmp` and devices, kernel and process view
/// protections, a syscall filter, memory limits, `Type=notify` with a watchdog. Never
/// `MemoryDenyWriteExecute`: JavaScriptCore's JIT needs writable and executable pages.
struct SystemdUnit {
    var executable: String
    var data: String = "/var/lib/fazt/data.db"
    var port: Int = 80
    var domain: String?
    var publicURL: String?
    /// With automatic HTTPS: the ACME account's e-mail (`--https --email`; 443 plus `port` for HTTP-01).
    var httpsEmail: String?
    var memoryMaxMB = 700

    /// The folder of `data` when it is not under the state directory (then it must be writable).
    var extraWritablePath: String? {
        let folder = String(data[..<(data.lastIndex(of: "/") ?? data.startIndex)])
        return folder == "/var/lib/fazt" || folder.isEmpty ? nil : folder
    }

    var text: String {
        var serve = ["serve", "--data", data, "--port", String(port), "--host", "0.0.0.0"]
        if let domain { serve += ["--domain", domain] }
        if let publicURL { serve += ["--public-url", publicURL] }
        if let httpsEmail { serve += ["--https", "--email", httpsEmail] }
        let command = ([executable] + serve).map(Self.quoted).joined(separator: " ")
        var lines = [
            "# Written by 'fazt service install'. Hardened: see 'systemd-analyze security fazt.service'.",
            "[Unit]",
            "Description=Fazt personal cloud",
            "After=network-online.target",
            "Wants=network-online.target",
            "",
            "[Service]",
            "Type=notify",
            "NotifyAccess=main",
            "ExecStart=\(command)",
            "Restart=on-failure",
            "RestartSec=2",
            "WatchdogSec=30",
            "TimeoutStopSec=30",
            "DynamicUser=yes",
            "StateDirectory=fazt",
            "StateDirectoryMode=0700",
            "UMask=0077",
        ]
        if let extra = extraWritablePath { lines.append("ReadWritePaths=\(extra)") }
        lines += [
            "AmbientCapabilities=CAP_NET_BIND_SERVICE",
            "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ProtectHome=yes",
            "PrivateTmp=yes",
            "PrivateDevices=yes",
            "PrivateUsers=no",
            "ProtectKernelTunables=yes",
            "ProtectKernelModules=yes",
            "ProtectKernelLogs=yes",
            "ProtectControlGroups=yes",
            "ProtectClock=yes",
            "ProtectHostname=yes",
            "ProtectProc=invisible",
            "ProcSubset=pid",
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
            "RestrictNamespaces=yes",
            "RestrictRealtime=yes",
            "RestrictSUIDSGID=yes",
            "LockPersonality=yes",
            "RemoveIPC=yes",
            "SystemCallArchitectures=native",
            "SystemCallFilter=@system-service",
            "SystemCallFilter=~@privileged",
            "SystemCallErrorNumber=EPERM",
            "MemoryHigh=\(memoryMaxMB * 6 / 7)M",
            "MemoryMax=\(memoryMaxMB)M",
            "TasksMax=512",
            "LimitNOFILE=65536",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    /// A word of `ExecStart=`, quoted when it holds spaces or quotes.
    static func quoted(_ word: String) -> String {
        guard word.contains(where: { $0 == " " || $0 == "\"" || $0 == "\\" || $0 == "'" }) else { return word }
        return "\"" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
    }
}
