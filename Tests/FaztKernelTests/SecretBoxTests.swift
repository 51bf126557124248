import FaztTestSupport
import Foundation
import Testing

@testable import FaztKernel

@Suite struct SecretBoxTests {
    let directory: TemporaryDirectory
    let box: SecretBox

    init() throws {
        directory = try TemporaryDirectory()
        box = try SecretBox(databasePath: directory.path + "/data.db")
    }

    @Test func createsAPrivateKeyFileBesideTheDatabase() throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path + "/fazt.key")
        #expect(attributes[.size] as? Int == 32)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func opensWhatItSealedWithTheSameContext() throws {
        let sealed = try box.seal(Array("hunter2".utf8), context: "app\u{0}TOKEN")
        #expect(sealed.count == 12 + 7 + 16)
        #expect(try box.open(sealed, context: "app\u{0}TOKEN") == Array("hunter2".utf8))
    }

    @Test func refusesAlteredValuesAndOtherContexts() throws {
        var sealed = try box.seal(Array("hunter2".utf8), context: "app\u{0}TOKEN")
        #expect(throws: KernelError.self) { try box.open(sealed, context: "other\u{0}TOKEN") }
        sealed[14] ^= 1
        #expect(throws: KernelError.self) { try box.open(sealed, context: "app\u{0}TOKEN") }
    }

    @Test func reusesTheKeyFileOnTheNextStart() throws {
        let sealed = try box.seal([1, 2, 3], context: "c")
        let again = try SecretBox(databasePath: directory.path + "/data.db")
        #expect(try again.open(sealed, context: "c") == [1, 2, 3])
    }

    @Test func readsHexInEitherCaseAndRejectsOddDigits() {
        #expect(SecretBox.bytes(hex: "00fFa1") == [0x00, 0xff, 0xa1])
        #expect(SecretBox.bytes(hex: "abc") == nil)
        #expect(SecretBox.bytes(hex: "zz") == nil)
    }
}
