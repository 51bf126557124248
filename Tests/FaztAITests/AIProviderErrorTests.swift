import FaztAI
import Testing

@Suite struct AIProviderErrorTests {
    func error(_ status: Int, _ body: String, headers: [(String, String)] = [], now: Double? = nil) -> AIProviderError {
        AIProviderError(status: status, headers: headers, body: Array(body.utf8), now: now, redacting: ["sk-live-XYZ"])
    }

    @Test func readsEachProvidersErrorBody() {
        let openAI = error(
            429,
            #"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#
        )
        #expect(openAI.code == "rate_limit_exceeded")
        #expect(openAI.message == "Rate limit reached")
        #expect(openAI.retryable)
        let anthropic = error(529, #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)
        #expect(anthropic.code == "overloaded_error")
        #expect(anthropic.retryable)
        let gemini = error(400, #"{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}"#)
        #expect(gemini.code == "INVALID_ARGUMENT")
        #expect(!gemini.retryable)
        let html = error(502, "<html>Bad Gateway</html>")
        #expect(html.code == nil)
        #expect(html.message == "<html>Bad Gateway</html>")
        #expect(html.retryable)
    }

    @Test func retryableStatusesAreExactlyTheListedOnes() {
        let retryable = [408, 409, 425, 429, 500, 502, 503, 504, 529]
        for status in 400...599 {
            #expect(error(status, "").retryable == retryable.contains(status), "status \(status)")
        }
        #expect(AIProviderError.connectionFailed("reset").retryable)
    }

    @Test func readsRetryAfterInEachForm() {
        #expect(error(429, "", headers: [("Retry-After", "20")]).retryAfterSeconds == 20)
        #expect(error(429, "", headers: [("retry-after-ms", "1500"), ("retry-after", "9")]).retryAfterSeconds == 1.5)
        // 1994-11-06T08:49:37Z is Unix 784111777.
        let dated = error(503, "", headers: [("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")], now: 784_111_747)
        #expect(dated.retryAfterSeconds == 30)
        #expect(error(503, "", headers: [("retry-after", "soon")], now: 0).retryAfterSeconds == nil)
        #expect(error(503, "").retryAfterSeconds == nil)
    }

    @Test func truncatesMessagesAndRedactsEchoedKeys() {
        let long = String(repeating: "x", count: 2_000)
        #expect(error(500, "{\"error\":{\"message\":\"\(long)\"}}").message.count == 500)
        let echoed = error(
            401,
            #"{"error":{"message":"Incorrect API key provided: sk-live-XYZ.","type":"invalid_request_error","code":"invalid_api_key"}}"#
        )
        #expect(echoed.message == "Incorrect API key provided: [redacted].")
        #expect(!echoed.description.contains("sk-live-XYZ"))
        #expect(
            echoed.description
                == "provider answered HTTP 401 (invalid_api_key): Incorrect API key provided: [redacted]."
        )
    }

    @Test func readsAnHTTPDateAfterALeapDay() {
        // 2024-02-29T12:00:00Z is Unix 1709208000.
        let dated = error(429, "", headers: [("retry-after", "Thu, 29 Feb 2024 12:00:00 GMT")], now: 1_709_207_990)
        #expect(dated.retryAfterSeconds == 10)
        let past = error(429, "", headers: [("retry-after", "Thu, 29 Feb 2024 12:00:00 GMT")], now: 1_709_300_000)
        #expect(past.retryAfterSeconds == 0)
    }
}
