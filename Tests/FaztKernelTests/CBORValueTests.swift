import Testing

@testable import FaztKernel

/// The CBOR subset WebAuthn needs, and the inputs it must refuse.
@Suite struct CBORValueTests {
    @Test func readsACOSEKeyMap() throws {
        // {1: 2, 3: -7, -1: 1, -2: h'0102', "fmt": "none", "ok": true, "n": null, "a": [0, 24]}
        let bytes: [UInt8] = [
            0xa8, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x42, 0x01, 0x02, 0x63, 0x66, 0x6d, 0x74, 0x64, 0x6e, 0x6f,
            0x6e, 0x65, 0x62, 0x6f, 0x6b, 0xf5, 0x61, 0x6e, 0xf6, 0x61, 0x61, 0x82, 0x00, 0x18, 0x18,
        ]
        var offset = 0
        let value = try CBORValue.read(bytes, at: &offset)
        #expect(offset == bytes.count)
        #expect(value[.int(1)] == .int(2) && value[.int(3)] == .int(-7) && value[.int(-1)] == .int(1))
        #expect(value[.int(-2)] == .bytes([1, 2]) && value[.text("fmt")] == .text("none"))
        #expect(value[.text("ok")] == .bool(true) && value[.text("n")] == .null)
        #expect(value[.text("a")] == .array([.int(0), .int(24)]))
    }

    @Test func refusesTruncatedIndefiniteAndDeepInput() {
        var offset = 0
        #expect(throws: KernelError.self) { try CBORValue.read([0x42, 0x01], at: &offset) }
        offset = 0
        #expect(throws: KernelError.self) { try CBORValue.read([0x5f, 0x41, 0x00, 0xff], at: &offset) }
        offset = 0
        #expect(throws: KernelError.self) {
            try CBORValue.read(Array(repeating: 0x81, count: 40) + [0x00], at: &offset)
        }
        offset = 0
        // A map that claims more entries than bytes remain.
        #expect(throws: KernelError.self) {
            try CBORValue.read([0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], at: &offset)
        }
    }
}
