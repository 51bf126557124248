import FaztRealtime
import NIOCore
import Testing

@Suite struct UTF8ValidatorTests {
    @Test(arguments: [
        "",
        "hello",
        "κόσμε",
        "Hello-µ@ßöäüàá-UTF-8!!",
        "\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}",
        "\u{D7FF}\u{E000}\u{FFFD}",
        "an ASCII run longer than eight bytes, then € and 😀",
    ])
    func acceptsValidText(_ text: String) {
        #expect(UTF8Validator.isValid(Array(text.utf8)))
        #expect(UTF8Validator.isValid(ByteBuffer(string: text)))
    }

    @Test(
        arguments: [
            [0x80],  // a continuation byte without a lead byte
            [0xBF],
            [0xC0, 0x80],  // overlong U+0000
            [0xC1, 0xBF],  // overlong U+007F
            [0xE0, 0x80, 0x80],  // overlong U+0000
            [0xE0, 0x9F, 0xBF],  // overlong U+07FF
            [0xF0, 0x80, 0x80, 0x80],  // overlong U+0000
            [0xF0, 0x8F, 0xBF, 0xBF],  // overlong U+FFFF
            [0xED, 0xA0, 0x80],  // surrogate U+D800
            [0xED, 0xBF, 0xBF],  // surrogate U+DFFF
            [0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80],  // a surrogate pair (CESU-8)
            [0xF4, 0x90, 0x80, 0x80],  // U+110000
            [0xF5, 0x80, 0x80, 0x80],
            [0xFE],
            [0xFF],
            [0xC2, 0x41],  // a lead byte followed by ASCII
            [0xE2, 0x82, 0x41],
            [0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x80],  // invalid after an ASCII run
        ] as [[UInt8]]
    )
    func refusesInvalidSequences(_ bytes: [UInt8]) {
        #expect(!UTF8Validator.isValid(bytes))
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        #expect(!UTF8Validator.isValid(buffer))
    }

    @Test func aTruncatedSequenceIsValidSoFarButNotComplete() {
        var validator = UTF8Validator()
        #expect(validator.feed([0x61, 0xE2, 0x82] as [UInt8]) == true)
        #expect(!validator.isComplete)
        #expect(validator.feed([0xAC] as [UInt8]) == true)
        #expect(validator.isComplete)
        #expect(!UTF8Validator.isValid([0xE2, 0x82] as [UInt8]))
    }

    @Test func aFourByteScalarSplitAcrossEveryChunkBoundaryIsValid() {
        let bytes = Array("a😀b".utf8)
        for first in 0...bytes.count {
            for second in first...bytes.count {
                var validator = UTF8Validator()
                #expect(validator.feed(bytes[..<first]) == true)
                #expect(validator.feed(bytes[first..<second]) == true)
                #expect(validator.feed(bytes[second...]) == true)
                #expect(validator.isComplete)
            }
        }
    }

    @Test func failsOnTheChunkThatMakesTheTextInvalid() {
        var validator = UTF8Validator()
        #expect(validator.feed([0xCE, 0xBA] as [UInt8]) == true)
        #expect(validator.feed([0xE1] as [UInt8]) == true)
        // E1 can still start a valid scalar and BD continues it; C0 cannot.
        #expect(validator.feed([0xBD, 0xC0] as [UInt8]) == false)
        #expect(!validator.isComplete)
        // Once failed, it stays failed whatever comes next.
        #expect(validator.feed(Array("valid".utf8)) == false)
    }

    @Test func failsAtTheFirstByteOfASurrogateOrOverlong() {
        // ED A0 is already a surrogate: no third byte is needed to know.
        var surrogate = UTF8Validator()
        #expect(surrogate.feed([0xED] as [UInt8]) == true)
        #expect(surrogate.feed([0xA0] as [UInt8]) == false)
        var overlong = UTF8Validator()
        #expect(overlong.feed([0xE0] as [UInt8]) == true)
        #expect(overlong.feed([0x9F] as [UInt8]) == false)
        var tooHigh = UTF8Validator()
        #expect(tooHigh.feed([0xF4] as [UInt8]) == true)
        #expect(tooHigh.feed([0x90] as [UInt8]) == false)
    }

    @Test func agreesWithSwiftOnRandomBytes() {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<20_000 {
            let bytes = Self.randomText(using: &generator)
            #expect(UTF8Validator.isValid(bytes) == Self.swiftAccepts(bytes), "\(bytes)")
            // Any split gives the same verdict as the whole, and a non-contiguous collection the same
            // as contiguous storage.
            let split = Int.random(in: 0...bytes.count, using: &generator)
            var validator = UTF8Validator()
            let valid =
                validator.feed(bytes[..<split]) && validator.feed(bytes[split...].lazy.map { $0 })
                && validator.isComplete
            #expect(valid == Self.swiftAccepts(bytes), "\(bytes) split at \(split)")
        }
    }

    @Test func failsAtTheFirstByteThatNoValidTextCanHave() {
        var generator = SplitMix64(seed: 0xFA57)
        for _ in 0..<5_000 {
            let bytes = Self.randomText(using: &generator)
            var validator = UTF8Validator()
            let firstRefused = bytes.indices.first { !validator.feed(CollectionOfOne(bytes[$0])) }
            let expected = bytes.indices.first { !Self.isPrefixOfValidText(bytes[...$0]) }
            #expect(firstRefused == expected, "\(bytes)")
        }
    }

    /// Swift's own decoder as the reference: valid exactly when decoding needs no repair.
    private static func swiftAccepts(_ bytes: some Collection<UInt8>) -> Bool {
        Array(String(decoding: bytes, as: UTF8.self).utf8) == Array(bytes)
    }

    /// Whether some valid text starts with `bytes`: it is valid as is or after completing its last
    /// scalar. 80, 90 or A0 then 80s complete any lead byte that can be completed at all.
    private static func isPrefixOfValidText(_ bytes: ArraySlice<UInt8>) -> Bool {
        for missing in 0...3 {
            for next: UInt8 in [0x80, 0x90, 0xA0] {
                let completion: [UInt8] = missing == 0 ? [] : [next] + Array(repeating: 0x80, count: missing - 1)
                if self.swiftAccepts(Array(bytes) + completion) { return true }
            }
        }
        return false
    }

    /// Mostly well-formed text with some bytes that are often wrong: lead bytes, continuations and
    /// the bytes around the edges of the valid ranges.
    private static func randomText(using generator: inout SplitMix64) -> [UInt8] {
        let edges: [UInt8] = [
            0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED,
            0xEE, 0xEF, 0xF0, 0xF3, 0xF4, 0xF5, 0xFF,
        ]
        let scalars: [Unicode.Scalar] = [
            "a", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}",
        ]
        var bytes: [UInt8] = []
        for _ in 0..<Int.random(in: 0...24, using: &generator) {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<3:
                bytes.append(contentsOf: Array(repeating: 0x61, count: Int.random(in: 1...12, using: &generator)))
            case 3..<6:
                bytes.append(contentsOf: String(scalars[Int.random(in: 0..<scalars.count, using: &generator)]).utf8)
            case 6..<9:
                bytes.append(edges[Int.random(in: 0..<edges.count, using: &generator)])
            default:
                bytes.append(UInt8.random(in: 0...255, using: &generator))
            }
        }
        return bytes
    }
}

/// A small seeded generator, so a failure can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
