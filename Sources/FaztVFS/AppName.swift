/// App name rules: `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`, lower-cased, minus reserved names and
/// names ending in `--v` and digits (those label version previews: `<app>--v<N>.<domain>`).
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
        if versionSuffix(name) != nil {
            throw VFSError(
                .reservedName,
                "'\(name)' ends in '--v' and digits, which names a version preview (http://<app>--v<N>.<domain>/); "
                    + "choose another app name ('--' elsewhere, as in 'my--site', is fine)"
            )
        }
        return name
    }

    /// The app and version a preview label names (`blog--v3` → `("blog", 3)`), or nil when the label
    /// does not end in `--v` and a version number, or the rest is no valid app name.
    public static func preview(_ label: String) -> (app: String, version: Int)? {
        guard let mark = versionSuffix(label) else { return nil }
        let digits = label[mark.upperBound...]
        guard digits.utf8.count <= 9, digits.utf8.first != UInt8(ascii: "0"), let version = Int(digits) else {
            return nil
        }
        let app = String(label[..<mark.lowerBound])
        guard (try? validate(app)) == app else { return nil }
        return (app, version)
    }

    /// Where `--v` starts when `name` ends in `--v` and one or more digits.
    private static func versionSuffix(_ name: String) -> Range<String.Index>? {
        guard let mark = name.range(of: "--v", options: .backwards) else { return nil }
        let digits = name[mark.upperBound...].utf8
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return mark
    }

    /// The host label, and storage namespace, of version `version` of `app`'s preview.
    public static func previewLabel(app: String, version: Int) -> String { "\(app)--v\(version)" }
}
