import Foundation

/// The checks on what owners name and configure in the AI registry; each error says the fix.
public enum AINames {
    /// The longest provider name or model alias.
    public static let maxNameBytes = 40

    /// `text` when it is `[a-z0-9][a-z0-9-]*` and at most 40 bytes, else an `invalidArgument` error.
    public static func checked(_ text: String, kind: String) throws -> String {
        let bytes = Array(text.utf8)
        func allowed(_ byte: UInt8) -> Bool { (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) }
        guard let first = bytes.first, allowed(first), bytes.count <= maxNameBytes,
            bytes.allSatisfy({ allowed($0) || $0 == 45 })
        else {
            throw KernelError(
                .invalidArgument,
                "invalid \(kind) '\(text)': use 1-\(maxNameBytes) lowercase letters, digits and '-', "
                    + "starting with a letter or digit (e.g. 'openai' or 'fast-chat')"
            )
        }
        return text
    }

    /// The base URL to store for `type`: `text` without trailing '/', or the type's default when
    /// `text` is empty.
    ///
    /// Loopback and private hosts are allowed: provider URLs are the owner's choice (a local Ollama),
    /// not an app's, so the app egress policy does not apply.
    public static func baseURL(_ text: String?, type: AIProviderType) throws -> String {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            guard let fallback = type.defaultBaseURL else {
                throw KernelError(
                    .invalidArgument,
                    "a provider of type \(type.rawValue) needs --base-url (e.g. http://127.0.0.1:11434/v1 for Ollama)"
                )
            }
            return fallback
        }
        let example = "e.g. https://api.example.com/v1 or http://127.0.0.1:11434/v1"
        // A URL with '@' may carry a password: it is never echoed.
        let shown = trimmed.contains("@") ? "(not shown)" : "'\(trimmed)'"
        guard trimmed.utf8.count <= 500, let components = URLComponents(string: trimmed),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else {
            throw KernelError(
                .invalidArgument,
                "invalid base URL \(shown): use http:// or https:// followed by a host (\(example))"
            )
        }
        guard components.user == nil, components.password == nil else {
            // The URL is not echoed: the password in it is a credential.
            throw KernelError(
                .invalidArgument,
                "the base URL must not contain a user name or password: give the key with --key-stdin instead"
            )
        }
        guard components.query == nil, components.fragment == nil else {
            throw KernelError(
                .invalidArgument,
                "the base URL must not have a query or fragment: give only scheme, host, port and path (\(example))"
            )
        }
        var url = trimmed
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// `id` when it is a plausible provider model id (1-200 printable bytes, no spaces).
    public static func modelID(_ id: String) throws -> String {
        guard !id.isEmpty, id.utf8.count <= 200, id.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw KernelError(
                .invalidArgument,
                "invalid model id '\(id)': give the provider's id as it lists it (e.g. gpt-4o-mini), "
                    + "1-200 characters without spaces"
            )
        }
        return id
    }

    /// `price` when it is a finite, non-negative USD-per-million-tokens figure.
    public static func price(_ price: Double?, kind: String) throws -> Double? {
        guard let price else { return nil }
        guard price.isFinite, price >= 0, price <= 1_000_000 else {
            throw KernelError(
                .invalidArgument,
                "invalid \(kind) price \(price): give USD per million tokens, 0 or more (e.g. 0.15)"
            )
        }
        return price
    }
}
