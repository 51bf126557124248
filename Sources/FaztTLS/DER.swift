/// Just enough DER (X.690) to write a PKCS#10 certificate request.
enum DER {
    static func element(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        [tag] + length(content.count) + content
    }

    static func sequence(_ parts: [UInt8]...) -> [UInt8] { element(0x30, parts.flatMap { $0 }) }

    static func set(_ parts: [UInt8]...) -> [UInt8] { element(0x31, parts.flatMap { $0 }) }

    /// An OBJECT IDENTIFIER from its dotted form (`2.5.29.17`).
    static func oid(_ dotted: String) -> [UInt8] {
        let arcs = dotted.split(separator: ".").compactMap { UInt64($0) }
        var content: [UInt8] = [UInt8(arcs[0] * 40 + arcs[1])]
        for arc in arcs.dropFirst(2) {
            var chunk: [UInt8] = [UInt8(arc & 0x7F)]
            var rest = arc >> 7
            while rest > 0 {
                chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            content += chunk
        }
        return element(0x06, content)
    }

    static func utf8String(_ text: String) -> [UInt8] { element(0x0C, Array(text.utf8)) }

    static func octetString(_ bytes: [UInt8]) -> [UInt8] { element(0x04, bytes) }

    /// A BIT STRING with no unused bits.
    static func bitString(_ bytes: [UInt8]) -> [UInt8] { element(0x03, [0] + bytes) }

    private static func length(_ count: Int) -> [UInt8] {
        guard count >= 0x80 else { return [UInt8(count)] }
        var bytes: [UInt8] = []
        var rest = count
        while rest > 0 {
            bytes.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }
}

/// A PKCS#10 certificate signing request (RFC 2986) for DNS names, signed ECDSA-SHA256.
enum CertificateRequest {
    /// The DER request for `names` (the first is also the subject's common name) with `key`.
    static func der(names: [String], key: ECKey) throws -> [UInt8] {
        guard let first = names.first else { throw TLSError(.crypto, "a certificate request needs a name") }
        let subject: [UInt8] =
            first.utf8.count <= 64
            ? DER.sequence(DER.set(DER.sequence(DER.oid("2.5.4.3"), DER.utf8String(first)))) : DER.sequence()
        // GeneralNames: each dNSName is [2] IMPLICIT IA5String.
        let generalNames = DER.element(0x30, names.flatMap { DER.element(0x82, Array($0.utf8)) })
        let extensions = DER.sequence(DER.sequence(DER.oid("2.5.29.17"), DER.octetString(generalNames)))
        let extensionRequest = DER.sequence(DER.oid("1.2.840.113549.1.9.14"), DER.set(extensions))
        let info = DER.sequence(
            DER.element(0x02, [0]),
            subject,
            try key.subjectPublicKeyInfo,
            DER.element(0xA0, extensionRequest)
        )
        let algorithm = DER.sequence(DER.oid("1.2.840.10045.4.3.2"))
        return DER.sequence(info, algorithm, DER.bitString(try key.signDER(info)))
    }
}
