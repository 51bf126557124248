import NIOSSL

/// A certificate chain with its key, ready to hand to a TLS handshake.
public struct ServedCertificate: Sendable {
    /// The name it was obtained for (`example.com`, `app.example.com`, `*.example.com`), or
    /// `static` for `--tls-cert`.
    public let name: String
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    /// Validity, in epoch seconds (of the leaf).
    public let notBefore: Int64
    public let notAfter: Int64
    /// The chain in PEM, as stored.
    let chainPEM: String

    /// Reads a PEM chain (leaf first) and its PEM private key.
    init(name: String, chainPEM: String, keyPEM: [UInt8]) throws {
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
            key = try NIOSSLPrivateKey(bytes: keyPEM, format: .pem)
        } catch {
            throw TLSError(.configuration, "cannot read the certificate or key for \(name): \(error)")
        }
        guard let leaf = chain.first else { throw TLSError(.configuration, "no certificate in the chain for \(name)") }
        self.name = name
        self.chainPEM = chainPEM
        notBefore = Int64(leaf.notValidBefore)
        notAfter = Int64(leaf.notValidAfter)
    }

    /// The handshake override that serves this certificate.
    var override: NIOSSLContextConfigurationOverride {
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = chain.map { .certificate($0) }
        override.privateKey = .privateKey(key)
        return override
    }

    /// The leaf's serial number in hex (to tell a renewed certificate from the old one).
    public var serial: String {
        let bytes = chain.first?.serialNumber ?? []
        return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
