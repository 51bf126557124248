/// App name rules: `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`, lower-cased, minus reserved names.
public enum AppName {
    /// Names that would collide with the platform's own hosts or paths.
    public static let reserved: Set<String> = [
        "www", "api", "admin", "mail", "localhost", "_fazt", "fazt", "app", "apps", "dashboard", "static",
        "assets", "cdn", "ftp", "smtp", "imap", "pop", "ns1", "ns2", "git", "status", "auth", "login",
    ]

    /// Returns the canonical (lower-cased) name, or throws `VFSError` explaining what is wrong.
    public static func validate(_ raw: String) throws(VFSError) -> String {
        let name = raw.lowercased()
        if reserved.contains(name) {
            throw VFSError(.reservedName, "'\(name)' is a reserved name; choose another app name")
        }
        let bytes = Array(name.utf8)
        func allowed(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        let valid =
            !bytes.isEmpty && bytes.count <= 63 && allowed(bytes[0]) && allowed(bytes[bytes.count - 1])
            && bytes.allSatisfy { allowed($0) || $0 == UInt8(ascii: "-") }
        guard valid else {
            throw VFSError(
                .invalidName,
                "invalid app name '\(raw)': use 1-63 letters, digits or '-', starting and ending with a letter or digit"
            )
        }
        return name
    }
}
