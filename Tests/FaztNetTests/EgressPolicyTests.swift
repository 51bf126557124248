import FaztNet
import Testing

@Suite struct EgressPolicyTests {
    @Test(
        arguments: [
            [127, 0, 0, 1], [10, 1, 2, 3], [172, 16, 0, 1], [172, 31, 255, 255], [192, 168, 1, 1],
            [169, 254, 169, 254],
            [0, 0, 0, 0], [100, 64, 0, 1], [224, 0, 0, 1],
        ] as [[UInt8]]
    )
    func refusesPrivateIPv4(_ address: [UInt8]) {
        #expect(EgressPolicy.isPrivate(address))
    }

    @Test(arguments: [[8, 8, 8, 8], [1, 1, 1, 1], [172, 32, 0, 1], [93, 184, 216, 34]] as [[UInt8]])
    func allowsPublicIPv4(_ address: [UInt8]) {
        #expect(!EgressPolicy.isPrivate(address))
    }

    @Test func judgesIPv6() {
        var loopback = [UInt8](repeating: 0, count: 16)
        loopback[15] = 1
        #expect(EgressPolicy.isPrivate(loopback))
        #expect(EgressPolicy.isPrivate([0xFD] + [UInt8](repeating: 0, count: 15)))
        #expect(EgressPolicy.isPrivate([0xFE, 0x80] + [UInt8](repeating: 0, count: 14)))
        let mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 127, 0, 0, 1]
        #expect(EgressPolicy.isPrivate(mapped))
        #expect(!EgressPolicy.isPrivate([0x26, 0x06, 0x47, 0x00] + [UInt8](repeating: 0, count: 12)))
    }

    @Test func refusesOtherSchemesBeforeConnecting() {
        #expect(throws: EgressError.self) {
            try Egress.perform(
                EgressRequest(url: "file:///etc/passwd", method: "GET", headers: [], body: nil),
                policy: EgressPolicy()
            )
        }
    }
}
