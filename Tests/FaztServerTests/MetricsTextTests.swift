import Testing

@testable import FaztServer

/// The Prometheus text writer, the per-loop request figures and the listen address parser.
@Suite struct MetricsTextTests {
    @Test func rendersHelpTypeLabelsAndEscapes() {
        let family = MetricFamily(
            "fazt_test_total",
            .counter,
            help: "A back\\slash and a\nline.",
            samples: [
                .init(labels: [("app", #"we"ird\"#), ("code", "2xx")], value: 3),
                .init(labels: [("app", "line\nbreak")], value: 0.25),
            ]
        )
        let text = PrometheusText.render([family, .single("fazt_up", .gauge, help: "Up.", value: 1)])
        #expect(
            text == """
                # HELP fazt_test_total A back\\\\slash and a\\nline.
                # TYPE fazt_test_total counter
                fazt_test_total{app="we\\"ird\\\\",code="2xx"} 3
                fazt_test_total{app="line\\nbreak"} 0.25
                # HELP fazt_up Up.
                # TYPE fazt_up gauge
                fazt_up 1

                """
        )
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
        #expect(PrometheusText.format(0.0005) == "0.0005")
    }

    @Test func requestFiguresAddUpByAppAndStatusClassWithCumulativeBuckets() {
        let metrics = RequestMetrics()
        let now = RequestMetrics.now()
        metrics.record(app: "blog", code: 200, started: now)
        metrics.record(app: "blog", code: 204, started: now)
        metrics.record(app: "blog", code: 404, started: now)
        metrics.record(app: "shop", code: 503, started: now - 20_000_000_000)  // 20 s: above every bound
        metrics.record(app: "shop", code: 101, started: now)
        let other = RequestMetrics()
        other.record(app: "blog", code: 302, started: RequestMetrics.now())
        var merged: [String: RequestMetrics.Series] = [:]
        for snapshot in [metrics.snapshot(), other.snapshot()] {
            for (app, series) in snapshot { merged[app, default: .init()].add(series) }
        }
        #expect(merged["blog"]?.byClass == [0, 2, 1, 1, 0])
        #expect(merged["shop"]?.byClass == [1, 0, 0, 0, 1])
        let text = PrometheusText.render(MetricsRegistry.requestFamilies(merged))
        #expect(text.contains(#"fazt_http_requests_total{app="blog",code="2xx"} 2"#))
        #expect(text.contains(#"fazt_http_requests_total{app="shop",code="5xx"} 1"#))
        #expect(!text.contains(#"app="blog",code="5xx""#), "classes with no response are left out")
        #expect(text.contains(#"fazt_http_request_duration_seconds_bucket{app="blog",le="+Inf"} 4"#))
        #expect(text.contains(#"fazt_http_request_duration_seconds_count{app="blog"} 4"#))
        #expect(text.contains(#"fazt_http_request_duration_seconds_bucket{app="shop",le="10"} 1"#))
        #expect(text.contains(#"fazt_http_request_duration_seconds_bucket{app="shop",le="+Inf"} 2"#))
        let sum = text.split(separator: "\n").first {
            $0.hasPrefix(#"fazt_http_request_duration_seconds_sum{app="shop"}"#)
        }
        #expect((sum.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0) >= 20)
    }

    @Test func appLabelsAreCappedPerLoop() {
        let metrics = RequestMetrics()
        let now = RequestMetrics.now()
        for index in 0..<(RequestMetrics.maxApps + 50) {
            metrics.record(app: "app\(index)", code: 200, started: now)
        }
        let snapshot = metrics.snapshot()
        #expect(snapshot.count == RequestMetrics.maxApps + 1)
        #expect(snapshot[RequestMetrics.overflowApp]?.byClass[1] == 50)
    }

    @Test func parsesListenAddresses() {
        #expect(ListenAddress(parsing: "127.0.0.1:9090") == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(ListenAddress(parsing: "localhost:9090")?.isLoopback == true)
        #expect(ListenAddress(parsing: "0.0.0.0:9090")?.isLoopback == false)
        #expect(ListenAddress(parsing: "9090") == nil)
        #expect(ListenAddress(parsing: "127.0.0.1:99999") == nil)
        #expect(ListenAddress(parsing: ":9090") == nil)
    }
}
