import FaztGit
import Testing

@Suite struct PktLineTests {
    @Test func framesAndReadsPackets() throws {
        var bytes = PktLine.text("# service=git-upload-pack")
        bytes += PktLine.flush + PktLine.data([1, 2, 3]) + Array("0001".utf8) + Array("0002".utf8) + Array("PACK".utf8)
        #expect(String(decoding: bytes.prefix(4), as: UTF8.self) == "001e")
        var reader = PktLineReader(bytes)
        #expect(try reader.next() == .data(Array("# service=git-upload-pack\n".utf8)))
        #expect(try reader.next() == .flush)
        #expect(try reader.next() == .data([1, 2, 3]))
        #expect(try reader.next() == .delim)
        #expect(try reader.next() == .responseEnd)
        #expect(Array(reader.remaining) == Array("PACK".utf8))
    }

    @Test func rejectsMalformedLengths() throws {
        for bad in ["00zz", "0003", "0010abc", "00"] {
            var reader = PktLineReader(Array(bad.utf8))
            #expect(throws: GitProtocolError.self) { try reader.next() }
        }
        var empty = PktLineReader([])
        #expect(try empty.next() == nil)
    }

    @Test func sidebandSplitsAndDemultiplexes() throws {
        let data = (0..<150_000).map { UInt8(truncatingIfNeeded: $0) }
        var bytes = Sideband.progressMessage("fazt: deploying")
        bytes += Sideband.packets(band: Sideband.dataBand, data) + PktLine.flush
        var reader = SidebandReader(bytes)
        let (joined, progress) = try reader.collect()
        #expect(joined == data)
        #expect(progress == "fazt: deploying\n")
        var failing = SidebandReader(Sideband.packets(band: Sideband.errorBand, Array("boom".utf8)))
        #expect(throws: GitProtocolError("remote error: boom")) { try failing.next() }
    }
}
