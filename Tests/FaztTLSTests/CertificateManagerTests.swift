import FaztKernel
import FaztStore
import FaztTestSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing

@testable import FaztTLS

/// The on-demand gate, the orders-per-minute limit and the per-name backoff, against an ACME
/// server that cannot be reached (every issuance fails at once), with an injected clock.
@Suite struct CertificateManagerTests {
    final class Clock: Sendable {
        let now = Atomic<Int64>(1_000_000)
    }

    static func answer(_ manager: CertificateManager, _ name: String?, on loop: any EventLoop) -> String {
        let promise = loop.makePromise(of: NIOSSLContextConfigurationOverride.self)
        manager.select(hostname: name, promise: promise)
        do {
            _ = try promise.futureResult.wait()
            return "served"
        } catch let error as TLSError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func ordersOnlyForServedNamesWithinTheLimitAndBacksOffAfterAFailure() throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.path + "/data.db")
        defer { store.close() }
        let box = try SecretBox(databasePath: store.path)
        let clock = Clock()
        var settings = TLSSettings(
            domain: "fazt.test",
            acme: .init(directoryURL: "https://127.0.0.1:1/dir", email: nil, caFile: nil)
        )
        settings.ordersPerMinute = 2
        settings.clock = { clock.now.load(ordering: .relaxed) }
        let asked = Mutex<[String]>([])
        let manager = CertificateManager(
            settings: settings,
            store: store,
            box: box,
            logger: Logger(label: "test"),
            isKnownName: { name in
                asked.withLock { $0.append(name) }
                return name != "ghost.fazt.test"
            },
            notifyOwner: { _, _ in }
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()

        #expect(Self.answer(manager, "example.org", on: loop).contains("no certificate for example.org"))
        #expect(Self.answer(manager, "a.b.fazt.test", on: loop).contains("no certificate"))
        #expect(Self.answer(manager, "ghost.fazt.test", on: loop).contains("no app is served at ghost.fazt.test"))
        #expect(asked.withLock { $0 } == ["ghost.fazt.test"], "names outside the domain never reach the app check")

        #expect(Self.answer(manager, "one.fazt.test", on: loop).contains("cannot reach the ACME server"))
        #expect(Self.answer(manager, "two.fazt.test", on: loop).contains("cannot reach the ACME server"))
        #expect(Self.answer(manager, "three.fazt.test", on: loop).contains("limit of 2 orders a minute"))
        #expect(manager.failureCount == 2)

        clock.now.add(30, ordering: .relaxed)
        #expect(Self.answer(manager, "one.fazt.test", on: loop).contains("failed recently"), "backoff after a failure")
        clock.now.add(31, ordering: .relaxed)
        #expect(Self.answer(manager, "three.fazt.test", on: loop).contains("cannot reach the ACME server"))
        #expect(Self.answer(manager, "one.fazt.test", on: loop).contains("cannot reach the ACME server"))
        #expect(manager.failureCount == 4)
        #expect(Self.answer(manager, "one.fazt.test", on: loop).contains("failed recently"), "the backoff doubles")
        #expect(manager.orderCount == 0)
    }
}
