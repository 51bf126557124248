/// The `api/` file chosen for a request path, with the route parameters its path captured.
public struct HandlerRoute: Equatable, Sendable {
    /// The handler file (`api/todos/[id].js`).
    public var file: String
    /// Parameter values by name, percent-decoded (`["id": "42"]`); a catch-all's value keeps its `/`s.
    public var params: [String: String]
    /// The file may be Workers-style (`HandlerShape.mayBeWorkersStyle`): its response may leave
    /// before its invocation ends, so no other request should queue behind it in a worker.
    public var mayRespondEarly: Bool

    public init(file: String, params: [String: String] = [:], mayRespondEarly: Bool = false) {
        self.file = file
        self.params = params
        self.mayRespondEarly = mayRespondEarly
    }
}
