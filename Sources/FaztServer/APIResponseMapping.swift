import FaztRuntime
import FaztStorage
import NIOCore
import NIOHTTP1

/// Maps the runtime's answer to an HTTP response (500 for app errors and crashes, 503 for limits).
///
/// Exception text can leak internals, so a 500 tells an anonymous client only `internal error` and
/// the run id (`fazt runs APP` and the app log hold the message, `where`, code and stack); with
/// `"debug": true` in the manifest the body carries them too.
enum APIResponseMapping {
    /// `frame`: the source lines around the failure (`fazt dev` only).
    static func response(
        _ result: InvocationResult,
        run: Int64? = nil,
        debug: Bool = false,
        frame: String? = nil
    ) -> Response {
        switch result {
        case .response(let answer):
            var headers = HTTPHeaders()
            for (name, value) in answer.headers {
                switch name.lowercased() {
                case "content-length", "transfer-encoding", "connection", "date": continue
                default: headers.add(name: name, value: value)
                }
            }
            let status = HTTPResponseStatus(statusCode: (100...599).contains(answer.status) ? answer.status : 500)
            return Response(status: status, headers: headers, body: ByteBuffer(bytes: answer.body))
        case .failure(let failure):
            var body: [(String, JSONValue)] = []
            let status = ErrorMapping.status(for: failure.kind)
            // The server's own words about a limit show; the app's own text only with debug.
            let shown = failure.kind.isServerLimit || debug
            body.append(("error", .string(shown ? failure.message : "internal error")))
            if debug || status == .serviceUnavailable {
                if let location = failure.location { body.append(("where", .string(location))) }
                if let code = failure.code { body.append(("code", .string(code))) }
            }
            if let frame { body.append(("frame", .string(frame))) }
            if let run { body.append(("run", .number(Double(run)))) }
            var response = ControlAPI.rawJSON(JSONValue.object(body).text, status: status)
            if failure.kind == .busy { response.headers.add(name: "Retry-After", value: "1") }
            return response
        }
    }
}
