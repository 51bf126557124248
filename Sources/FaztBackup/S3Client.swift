import FaztNet
import Foundation

/// Where and how to reach an S3-compatible store (from the owner's global secrets
/// `BACKUP_S3_ENDPOINT`, `BACKUP_S3_REGION`, `BACKUP_S3_ACCESS_KEY`, `BACKUP_S3_SECRET_KEY`).
public struct S3Configuration: Sendable {
    /// `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000`, … (path-style requests).
    public var endpoint: String
    public var region: String
    public var accessKey: String
    public var secretKey: String

    /// The names of the secrets that hold each setting.
    public static let secretNames = (
        endpoint: "BACKUP_S3_ENDPOINT", region: "BACKUP_S3_REGION", accessKey: "BACKUP_S3_ACCESS_KEY",
        secretKey: "BACKUP_S3_SECRET_KEY"
    )

    public init(endpoint: String, region: String, accessKey: String, secretKey: String) {
        self.endpoint = endpoint
        self.region = region
        self.accessKey = accessKey
        self.secretKey = secretKey
    }

    /// Builds the configuration from a lookup of setting names (secrets or environment).
    ///
    /// The region defaults to `us-east-1`; throws naming every missing setting.
    public static func from(_ lookup: (String) throws -> String?) throws -> S3Configuration {
        let names = secretNames
        let endpoint = try lookup(names.endpoint)
        let access = try lookup(names.accessKey)
        let secret = try lookup(names.secretKey)
        let missing = [(names.endpoint, endpoint), (names.accessKey, access), (names.secretKey, secret)]
            .filter { $0.1?.isEmpty ?? true }.map(\.0)
        guard missing.isEmpty, let endpoint, let access, let secret else {
            throw BackupError(
                .invalidArgument,
                "S3 backups need the global secrets \(missing.joined(separator: ", ")): set each with "
                    + "'fazt secret set --global NAME VALUE'"
            )
        }
        guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
            throw BackupError(
                .invalidArgument,
                "\(names.endpoint) must start with http:// or https:// (got '\(endpoint)')"
            )
        }
        return S3Configuration(
            endpoint: endpoint,
            region: (try lookup(names.region)).flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1",
            accessKey: access,
            secretKey: secret
        )
    }
}

/// An object in a bucket listing.
struct S3Object: Equatable {
    var key: String
    var size: Int64
}

/// PUT, GET, DELETE and list of objects in an S3-compatible store, signed with SigV4, over libcurl.
struct S3Client {
    var configuration: S3Configuration
    var bucket: String
    var now: () -> Date = Date.init

    private var base: String {
        configuration.endpoint.hasSuffix("/") ? String(configuration.endpoint.dropLast()) : configuration.endpoint
    }

    private var host: String {
        let rest = base.split(separator: "/", omittingEmptySubsequences: true)
        return rest.count > 1 ? String(rest[1]) : base
    }

    private static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Uploads the file at `path` as `key`; `sha256` is the file's digest (signed as the payload).
    func put(key: String, file path: String, sha256: String) throws {
        let response = try send("PUT", key: key, query: [], payload: sha256, upload: path, download: nil)
        try check(response, "upload \(key)")
    }

    /// Downloads `key` into a new file at `path`.
    func get(key: String, into path: String) throws {
        let response = try send("GET", key: key, query: [], payload: Self.emptySHA256, upload: nil, download: path)
        if response.status == 404 {
            unlink(path)
            throw BackupError(.notFound, "s3://\(bucket)/\(key) does not exist")
        }
        if !(200..<300).contains(response.status) {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            unlink(path)
            throw BackupError(.remote, "download of \(key) failed: HTTP \(response.status) \(Self.errorCode(text))")
        }
    }

    func delete(key: String) throws {
        let response = try send("DELETE", key: key, query: [], payload: Self.emptySHA256, upload: nil, download: nil)
        try check(response, "delete \(key)")
    }

    /// Every object whose key starts with `prefix` (ListObjectsV2, following continuation tokens).
    func list(prefix: String) throws -> [S3Object] {
        var objects: [S3Object] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try send(
                "GET",
                key: nil,
                query: query,
                payload: Self.emptySHA256,
                upload: nil,
                download: nil
            )
            try check(response, "list s3://\(bucket)/\(prefix)")
            let xml = response.text
            for contents in Self.elements("Contents", in: xml) {
                guard let key = Self.elements("Key", in: contents).first else { continue }
                let size = Self.elements("Size", in: contents).first.flatMap { Int64($0) } ?? 0
                objects.append(S3Object(key: Self.unescape(key), size: size))
            }
            token =
                Self.elements("IsTruncated", in: xml).first == "true"
                ? Self.elements("NextContinuationToken", in: xml).first.map(Self.unescape) : nil
        } while token != nil
        return objects
    }

    private func send(
        _ method: String,
        key: String?,
        query: [(String, String)],
        payload: String,
        upload: String?,
        download: String?
    ) throws -> HTTPClientResponse {
        let path = "/\(bucket)" + (key.map { "/\($0)" } ?? "")
        let signer = SigV4(
            accessKey: configuration.accessKey,
            secretKey: configuration.secretKey,
            region: configuration.region
        )
        let headers = signer.sign(
            method: method,
            host: host,
            path: path,
            query: query,
            payloadSHA256: payload,
            date: now()
        )
        var url = base + SigV4.encode(path, keepSlash: true)
        if !query.isEmpty { url += "?" + SigV4.canonicalQuery(query) }
        do {
            return try HTTPClient.perform(
                method: method,
                url: url,
                headers: headers.map { "\($0.0): \($0.1)" },
                upload: upload,
                download: download
            )
        } catch {
            throw BackupError(.remote, "cannot reach \(base): \(error)")
        }
    }

    private func check(_ response: HTTPClientResponse, _ what: String) throws {
        guard (200..<300).contains(response.status) else {
            throw BackupError(.remote, "\(what) failed: HTTP \(response.status) \(Self.errorCode(response.text))")
        }
    }

    /// `Code: Message` from an S3 error document, for error text.
    private static func errorCode(_ xml: String) -> String {
        let code = elements("Code", in: xml).first ?? ""
        let message = elements("Message", in: xml).first ?? ""
        return code.isEmpty ? String(xml.prefix(200)) : "\(code): \(message)"
    }

    /// The text inside each `<name>…</name>` (S3's listings have no attributes nor nesting of the
    /// same name, so a scan suffices).
    static func elements(_ name: String, in xml: String) -> [String] {
        var found: [String] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(name)>") {
            guard let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex) else { break }
            found.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return found
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
