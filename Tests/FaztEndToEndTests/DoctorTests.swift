import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// `fazt doctor` on the real binary: database, WAL, disk, backup, certificates, clock, exit status.
@Suite struct DoctorTests {
    @Test func reportsAHealthyInstallationAndFailsOnExpiredCertificatesOrAMissingDatabase() throws {
        let server = try ServerProcess()
        let livez = "http://127.0.0.1:\(server.port)/_fazt/livez"
        let (status, output, _) = try ServerProcess.runCLI([
            "doctor", "--data", server.dataPath, "--acme-directory", livez,
        ])
        #expect(status == 0, "\(output)")
        #expect(output.contains("ok    database: ") && output.contains("integrity_check ok"), "\(output)")
        #expect(output.contains("ok    wal: ") && output.contains("ok    disk: "), "\(output)")
        #expect(output.contains("warn  backup: no backup was ever taken"), "\(output)")
        #expect(output.contains("fix: fazt serve --backup-every"), "\(output)")
        #expect(output.contains("ok    clock: "), "the server's own Date agrees with ours: \(output)")
        #expect(server.stop() == 0)

        let connection = try Connection(path: server.dataPath, readOnly: false)
        _ = try connection.run(
            """
            INSERT INTO tls_certificates (name, chain, key, issuer, not_before, not_after, created_at)
            VALUES ('old.fazt.test', '', x'00', 'test', 0, 1000, 0)
            """
        )
        let stopped = try ServerProcess.runCLI(["doctor", "--data", server.dataPath, "--offline"])
        #expect(stopped.0 == 1, "\(stopped.1)")
        #expect(stopped.1.contains("FAIL  certificate old.fazt.test: expired"), "\(stopped.1)")
        #expect(!stopped.1.contains("clock"), "--offline skips the network checks")

        let missing = try ServerProcess.runCLI(["doctor", "--data", server.directory.path + "/nope.db", "--offline"])
        #expect(missing.0 == 1 && missing.1.contains("FAIL  database: "), "\(missing.1)")
    }
}
