import FaztKernel
import FaztStore
import Foundation

/// ACME accounts and certificates in `data.db` (migration 19); private keys sealed by `SecretBox`
/// like owner secrets, each bound to its row.
struct CertificateStore: Sendable {
    let store: Store
    let box: SecretBox

    /// The account of `directory`: its key and URL, created (and stored) when there is none.
    func account(directory: String, email: String?) throws -> (key: ECKey, url: String?) {
        let context = "acme-account\u{0}\(directory)"
        let row = try store.read { connection in
            try connection.queryOne("SELECT key, url FROM acme_accounts WHERE directory = ?", [.text(directory)]) {
                ($0.bytes(0), $0.optionalString(1))
            }
        }
        if let (sealed, url) = row {
            return (try ECKey(pem: try box.open(sealed, context: context)), url)
        }
        let key = try ECKey()
        let sealed = try box.seal(try key.pem, context: context)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        _ = try store.writeBlocking { connection in
            try connection.run(
                "INSERT OR IGNORE INTO acme_accounts (directory, url, key, email, created_at) VALUES (?, NULL, ?, ?, ?)",
                [.text(directory), .blob(sealed), email.map { .text($0) } ?? .null, .integer(now)]
            )
        }
        return (key, nil)
    }

    /// Remembers the account URL the CA gave.
    func setAccountURL(_ url: String, directory: String) throws {
        _ = try store.writeBlocking { connection in
            try connection.run("UPDATE acme_accounts SET url = ? WHERE directory = ?", [.text(url), .text(directory)])
        }
    }

    /// Stores (or replaces) the certificate of `certificate.name`, its key sealed.
    func save(_ certificate: ServedCertificate, keyPEM: [UInt8], issuer: String) throws {
        let sealed = try box.seal(keyPEM, context: "tls-certificate\u{0}\(certificate.name)")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        _ = try store.writeBlocking { connection in
            try connection.run(
                """
                INSERT OR REPLACE INTO tls_certificates (name, chain, key, issuer, not_before, not_after, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(certificate.name), .text(certificate.chainPEM), .blob(sealed), .text(issuer),
                    .integer(certificate.notBefore), .integer(certificate.notAfter), .integer(now),
                ]
            )
        }
    }

    /// Every stored certificate of `issuer` (the ACME directory URL) that still reads.
    func load(issuer: String) throws -> [ServedCertificate] {
        let rows = try store.read { connection in
            try connection.query("SELECT name, chain, key FROM tls_certificates WHERE issuer = ?", [.text(issuer)]) {
                ($0.string(0), $0.string(1), $0.bytes(2))
            }
        }
        return rows.compactMap { name, chain, sealed in
            guard let key = try? box.open(sealed, context: "tls-certificate\u{0}\(name)") else { return nil }
            return try? ServedCertificate(name: name, chainPEM: chain, keyPEM: key)
        }
    }
}
