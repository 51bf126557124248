import NIOCore
import NIOHTTP1

/// A fully received request, as `HTTPHandler` hands it to its responder.
struct RoutedRequest: Sendable {
    /// What the handler kept of the body, as the route's `RequestPolicy.BodyHandling` asked.
    enum Body: Sendable {
        /// The route takes no body (or it was empty and discarded).
        case none
        /// Collected in memory.
        case buffer(ByteBuffer)
        /// Spooled to a file (deploy uploads).
        case upload(APIRequest.Upload)
    }

    var head: HTTPRequestHead
    /// Route, query, limit: decided from the head before the body was read.
    var policy: RequestPolicy
    var body: Body
    /// The client's address, when the channel knows it.
    var remoteAddress: SocketAddress?
    /// Completes when the client's connection closes (nil for requests the server makes itself).
    var closed: EventLoopFuture<Void>?

    /// The collected body, or an empty buffer.
    var bodyBuffer: ByteBuffer {
        if case .buffer(let buffer) = body { return buffer }
        return ByteBuffer()
    }

    /// The client's IP address as text, or nil.
    var clientIP: String? { remoteAddress?.ipAddress }
}
