import Testing

@testable import FaztServer

@Suite struct RouteTests {
    @Test func bareDomainIsTheOwnerPageAndControlAPI() {
        #expect(Route.resolve(host: "localhost:8080", path: "/", domain: "localhost") == .dashboard(path: "/"))
        #expect(
            Route.resolve(host: "LOCALHOST", path: "/_fazt/api/v1/apps", domain: "localhost") == .control(path: "/apps")
        )
        #expect(Route.resolve(host: "127.0.0.1:9", path: "/_fazt/api/v1", domain: "localhost") == .control(path: ""))
        #expect(Route.resolve(host: nil, path: "/x", domain: "localhost") == .dashboard(path: "/x"))
        #expect(
            Route.resolve(host: "localhost", path: "/_fazt/api/v10", domain: "localhost")
                == .dashboard(path: "/_fazt/api/v10")
        )
    }

    @Test func devServesTheOneAppOnEveryHostButKeepsTheControlAPI() {
        func dev(_ host: String?, _ path: String) -> Route {
            Route.resolve(host: host, path: path, domain: "localhost").serving("mine", path: path)
        }
        #expect(dev("localhost:8080", "/") == .app(name: "mine", path: "/"))
        #expect(dev("127.0.0.1:8080", "/api/x") == .app(name: "mine", path: "/api/x"))
        #expect(dev("other.localhost", "/a") == .app(name: "mine", path: "/a"))
        #expect(dev("example.com", "/a") == .app(name: "mine", path: "/a"))
        #expect(dev("localhost", "/_fazt/api/v1/apps") == .control(path: "/apps"))
        #expect(dev("localhost", "/_fazt/livez") == .dashboard(path: "/_fazt/livez"))
        #expect(dev("localhost", "/_fazt/session") == .app(name: "mine", path: "/_fazt/session"))
        #expect(dev("localhost", "/_fazt/git/mine.git/info/refs") == .git(app: "mine", path: "/info/refs"))
    }

    @Test func subdomainsAreApps() {
        #expect(
            Route.resolve(host: "Hello.LocalHost:8080", path: "/a", domain: "localhost")
                == .app(name: "hello", path: "/a")
        )
        #expect(
            Route.resolve(host: "blog.example.com", path: "/", domain: "example.com") == .app(name: "blog", path: "/")
        )
        #expect(
            Route.resolve(host: "blog.example.com.", path: "/", domain: "example.com") == .app(name: "blog", path: "/")
        )
    }

    @Test func foreignAndNestedHostsAreUnknown() {
        #expect(Route.resolve(host: "evil.com", path: "/", domain: "localhost") == .unknownHost)
        #expect(Route.resolve(host: "a.b.localhost", path: "/", domain: "localhost") == .unknownHost)
        #expect(Route.resolve(host: "notlocalhost", path: "/", domain: "localhost") == .unknownHost)
    }

    @Test func ipv6LiteralsAddressTheServer() {
        #expect(Route.resolve(host: "[::1]:8080", path: "/", domain: "localhost") == .dashboard(path: "/"))
    }
}
