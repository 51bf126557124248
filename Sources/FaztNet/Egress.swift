import CCurl
import Foundation
import Glibc

/// An outgoing HTTP request made on behalf of app code (`fetch`).
public struct EgressRequest: Sendable {
    public var url: String
    public var method: String
    public var headers: [(String, String)]
    public var body: [UInt8]?

    public init(url: String, method: String, headers: [(String, String)], body: [UInt8]?) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }
}

/// The answer to an `EgressRequest`.
public struct EgressResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The final URL (after redirects).
    public var url: String
}

/// Why an egress request failed (shown to the app as the `fetch` rejection message).
public struct EgressError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// The transfer ran out of time (connect, total, or a stall).
    public var timedOut = false
    /// A stable code that app code reads as `err.code` (`NET_BLOCKED`); nil for network failures.
    public var code: String?
    public var description: String { message }

    public init(message: String, timedOut: Bool = false, code: String? = nil) {
        self.message = message
        self.timedOut = timedOut
        self.code = code
    }
}

/// What app code may reach: http/https only, bounded time and size, no private addresses.
///
/// The owner may allow private addresses. The address check runs when libcurl opens each socket (also after
/// redirects), so a hostname that resolves to a private address is refused too.
public struct EgressPolicy: Sendable {
    public var allowPrivate = false
    public var timeoutSeconds = 10
    public var maxResponseBytes = 5 << 20
    public var maxRedirects = 5
    /// Seconds to establish the connection (within `timeoutSeconds`).
    public var connectTimeoutSeconds = 10
    /// A stream that receives nothing for this many seconds fails (0: only `timeoutSeconds` applies).
    ///
    /// For streams, where the whole answer may take minutes but silence means a stall.
    public var stallSeconds = 0
    /// What error messages start with (`fetch` for app requests).
    public var label = "fetch"
    /// The hosts the app may reach (its manifest's `egress`); nil: any public host.
    ///
    /// Checked for the first request and again before every redirect hop connects and is sent.
    public var allowedHosts: HostAllowlist?
    /// The bindings of the credentials the request carries: every host it (or a redirect hop)
    /// goes to must be on each list, else it fails with `NET_AUTH` before anything is sent there.
    public var credentialHosts: [HostAllowlist] = []

    public init(allowPrivate: Bool = false) { self.allowPrivate = allowPrivate }

    /// The `NET_BLOCKED` refusal when `url`'s host is not allowed, else nil.
    public func refusal(for url: String) -> EgressError? {
        guard let allowedHosts else { return nil }
        let host = HostAllowlist.host(of: url) ?? ""
        if allowedHosts.allows(host) { return nil }
        return Self.blocked(host: host, label: label)
    }

    /// The `NET_AUTH` refusal when `host` is not on every credential binding, else nil.
    public func credentialRefusal(host: String) -> EgressError? {
        guard credentialHosts.contains(where: { !$0.allows(host) }) else { return nil }
        return EgressError(
            message:
                "\(label): the request carries a secret or connection that may not be sent to \"\(host)\" (it is bound to other hosts; a redirect to another host is not followed with credentials)",
            code: "NET_AUTH"
        )
    }

    static func blocked(host: String, label: String) -> EgressError {
        EgressError(
            message:
                "\(label): host \"\(host)\" is not in this app's egress list (add it to \"egress\" in fazt.json)",
            code: "NET_BLOCKED"
        )
    }

    /// True for loopback, private, link-local, unspecified, CGNAT and multicast addresses.
    public static func isPrivate(_ address: [UInt8]) -> Bool {
        if address.count == 16 {
            // IPv4-mapped (::ffff:a.b.c.d) is judged as IPv4.
            if address[0..<10].allSatisfy({ $0 == 0 }) && address[10] == 0xFF && address[11] == 0xFF {
                return isPrivate(Array(address[12..<16]))
            }
            if address[0..<15].allSatisfy({ $0 == 0 }) { return true }  // :: and ::1
            if address[0] & 0xFE == 0xFC { return true }  // fc00::/7 unique local
            if address[0] == 0xFE && address[1] & 0xC0 == 0x80 { return true }  // fe80::/10 link local
            if address[0] == 0xFF { return true }  // multicast
            return false
        }
        guard address.count == 4 else { return true }
        let (a, b) = (address[0], address[1])
        return a == 0 || a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && b & 0xF0 == 16)
            || (a == 192 && b == 168) || (a == 100 && b & 0xC0 == 64) || a >= 224
    }
}

/// Performs egress requests with libcurl: `perform` blocks (tools, tests); the daemon submits to
/// `EgressLoop.shared`, one multi handle on its own thread.
public enum Egress {
    public static func perform(_ request: EgressRequest, policy: EgressPolicy) throws(EgressError) -> EgressResponse {
        let transfer = try EgressTransfer(request: request, policy: policy)
        let code = curl_easy_perform(transfer.handle)
        return try transfer.finish(code).get()
    }
}

/// One egress transfer: its easy handle, configured for the policy, and what its callbacks collect.
final class EgressTransfer {
    let easy: CurlEasy
    var handle: UnsafeMutableRawPointer { easy.handle }
    let policy: EgressPolicy
    let url: String
    var body: [UInt8] = []
    var headers: [(String, String)] = []
    var blocked = false
    /// The host of a request (or redirect hop) the allowlist refused.
    var unlistedHost: String?
    /// The host of a hop the credentials' bindings refused.
    var credentialRefused: EgressError?
    var tooLarge = false
    private var headerList: UnsafeMutablePointer<curl_slist>?
    var completion: ((Result<EgressResponse, EgressError>) -> Void)?
    /// Set for a streamed transfer: the body goes to it as it arrives instead of into `body`.
    var stream: EgressStream?
    private var headSent = false
    private var streamedBytes = 0
    /// When bytes last arrived (or the transfer started), for `EgressPolicy.stallSeconds`.
    private(set) var lastActivity = ContinuousClock.now
    /// The loop ended the transfer because nothing arrived for `stallSeconds`.
    var stalled = false

    init(request: EgressRequest, policy: EgressPolicy) throws(EgressError) {
        let lower = request.url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw EgressError(message: "\(policy.label): only http and https URLs are allowed")
        }
        if let refusal = policy.refusal(for: request.url) { throw refusal }
        if let refusal = policy.credentialRefusal(host: HostAllowlist.host(of: request.url) ?? "") { throw refusal }
        do {
            easy = try CurlEasy()
        } catch {
            throw EgressError(message: "\(policy.label): \(error.message)")
        }
        self.policy = policy
        self.url = request.url
        for (name, value) in request.headers where !name.contains("\n") && !value.contains("\n") {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        headerList = curl_slist_append(headerList, "Expect:")
        do {
            try configure(request)
        } catch {
            // Fail closed: a transfer missing any option (above all the policy's) is never made.
            throw EgressError(message: "\(policy.label): \(error.message); the request was not made")
        }
    }

    deinit {
        curl_slist_free_all(headerList)
    }

    private func configure(_ request: EgressRequest) throws(CurlError) {
        try easy.set(CURLOPT_URL, request.url)
        try easy.set(CURLOPT_CUSTOMREQUEST, request.method.uppercased())
        try easy.set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(headerList))
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_FOLLOWLOCATION, 1)
        // Credentials the daemon added are checked against their bindings at every hop (see
        // `credentialRefusal`), so they may follow a redirect to another host that is allowed.
        if !policy.credentialHosts.isEmpty { try easy.set(CURLOPT_UNRESTRICTED_AUTH, 1) }
        try easy.set(CURLOPT_MAXREDIRS, policy.maxRedirects)
        try easy.set(CURLOPT_NOSIGNAL, 1)
        try easy.set(CURLOPT_TIMEOUT, policy.timeoutSeconds)
        try easy.set(CURLOPT_CONNECTTIMEOUT, policy.connectTimeoutSeconds)
        try easy.set(CURLOPT_ACCEPT_ENCODING, "")
        try easy.set(CURLOPT_USERAGENT, "fazt")
        if request.method.uppercased() == "HEAD" { try easy.set(CURLOPT_NOBODY, 1) }
        if let body = request.body, !body.isEmpty {
            // COPYPOSTFIELDS: libcurl keeps its own copy for as long as the transfer runs.
            try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(body.count))
            let refused = body.withUnsafeBytes { raw -> CurlError? in
                do {
                    try easy.set(CURLOPT_COPYPOSTFIELDS, pointer: UnsafeMutableRawPointer(mutating: raw.baseAddress))
                    return nil
                } catch {
                    return error as? CurlError ?? CurlError(message: "\(error)")
                }
            }
            if let refused { throw refused }
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        try easy.set(CURLOPT_PRIVATE, pointer: context)
        try easy.setCallback(CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let context, let data else { return 0 }
            let transfer = Unmanaged<EgressTransfer>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            transfer.lastActivity = .now
            let bytes = UnsafeRawBufferPointer(start: data, count: length)
            if let stream = transfer.stream { return transfer.forward(bytes, to: stream) ? length : 0 }
            guard transfer.body.count + length <= transfer.policy.maxResponseBytes else {
                transfer.tooLarge = true
                return 0
            }
            transfer.body.append(contentsOf: bytes)
            return length
        }
        try easy.set(CURLOPT_WRITEDATA, pointer: context)
        try easy.setCallback(CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let context, let data else { return 0 }
            let transfer = Unmanaged<EgressTransfer>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            transfer.lastActivity = .now
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("HTTP/") {
                transfer.headers.removeAll()  // a new response (after a redirect or 100 Continue)
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                transfer.headers.append((name, value))
            }
            return length
        }
        try easy.set(CURLOPT_HEADERDATA, pointer: context)
        try easy.setOpenSocket { context, _, address in
            guard let context, let address else { return fazt_curl_socket_bad() }
            let transfer = Unmanaged<EgressTransfer>.fromOpaque(context).takeUnretainedValue()
            guard transfer.currentHostAllowed() else { return fazt_curl_socket_bad() }
            let family = address.pointee.family
            let bytes: [UInt8] = withUnsafePointer(to: &address.pointee.addr) { pointer in
                let raw = UnsafeRawPointer(pointer)
                if family == AF_INET6 {
                    let v6 = raw.load(as: sockaddr_in6.self)
                    return withUnsafeBytes(of: v6.sin6_addr) { Array($0) }
                }
                let v4 = raw.load(as: sockaddr_in.self)
                return withUnsafeBytes(of: v4.sin_addr) { Array($0) }
            }
            if !transfer.policy.allowPrivate && EgressPolicy.isPrivate(bytes) {
                transfer.blocked = true
                return fazt_curl_socket_bad()
            }
            return socket(family, address.pointee.socktype, address.pointee.protocol)
        }
        try easy.set(CURLOPT_OPENSOCKETDATA, pointer: context)
        try easy.setPrerequest { context, _, _, _, _ in
            guard let context else { return CURL_PREREQFUNC_OK }
            let transfer = Unmanaged<EgressTransfer>.fromOpaque(context).takeUnretainedValue()
            // A reused connection opens no socket: a redirect hop is checked again before it is sent.
            guard transfer.currentHostAllowed() else { return CURL_PREREQFUNC_ABORT }
            transfer.stream?.onRequestSent?()
            return CURL_PREREQFUNC_OK
        }
        try easy.set(CURLOPT_PREREQDATA, pointer: context)
    }

    /// Whether the URL libcurl is about to use (the first one or a redirect's) is on the allowlist;
    /// remembers the refused host for `finish`.
    func currentHostAllowed() -> Bool {
        guard policy.allowedHosts != nil || !policy.credentialHosts.isEmpty else { return true }
        var current: UnsafeMutablePointer<CChar>?
        _ = withUnsafeMutablePointer(to: &current) { fazt_curl_get_effective_url(handle, $0) }
        let url = current.map { String(cString: $0) } ?? ""
        let host = HostAllowlist.host(of: url) ?? ""
        if let allowed = policy.allowedHosts, !allowed.allows(host) {
            unlistedHost = host
            return false
        }
        if let refusal = policy.credentialRefusal(host: host) {
            credentialRefused = refusal
            return false
        }
        return true
    }

    /// Hands a piece of a streamed body over (the head first); false stops the transfer.
    private func forward(_ bytes: UnsafeRawBufferPointer, to stream: EgressStream) -> Bool {
        guard !stream.isCancelled else { return false }
        sendHead(to: stream)
        streamedBytes += bytes.count
        guard streamedBytes <= policy.maxResponseBytes else {
            tooLarge = true
            return false
        }
        stream.onData(Array(bytes))
        return true
    }

    private func sendHead(to stream: EgressStream) {
        guard !headSent else { return }
        headSent = true
        var status = 0
        fazt_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        stream.onHead(status, headers)
    }

    /// Ends a streamed transfer once libcurl reports `code` (or it was cancelled): `onEnd` once.
    func finishStream(_ code: CURLcode) {
        guard let stream else { return }
        self.stream = nil
        if stream.isCancelled {
            stream.onEnd(.failure(EgressError(message: "\(policy.label): cancelled")))
            return
        }
        switch finish(code) {
        case .success:
            sendHead(to: stream)
            stream.onEnd(.success(()))
        case .failure(let error):
            stream.onEnd(.failure(error))
        }
    }

    /// The outcome once libcurl reports `code` for this transfer.
    func finish(_ code: CURLcode) -> Result<EgressResponse, EgressError> {
        if let unlistedHost { return .failure(EgressPolicy.blocked(host: unlistedHost, label: policy.label)) }
        if let credentialRefused { return .failure(credentialRefused) }
        if blocked {
            return .failure(
                EgressError(
                    message:
                        "\(policy.label): refused to connect to a private or loopback address (the owner can allow it: fazt serve --allow-private-egress)"
                )
            )
        }
        if tooLarge {
            return .failure(
                EgressError(
                    message: "\(policy.label): the response is larger than \(policy.maxResponseBytes >> 20) MB"
                )
            )
        }
        if stalled {
            return .failure(
                EgressError(message: "\(policy.label): nothing received for \(policy.stallSeconds) s", timedOut: true)
            )
        }
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            return .failure(
                EgressError(message: "\(policy.label): \(reason)", timedOut: code == CURLE_OPERATION_TIMEDOUT)
            )
        }
        var status = 0
        fazt_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var finalURL: UnsafeMutablePointer<CChar>?
        _ = withUnsafeMutablePointer(to: &finalURL) { fazt_curl_get_effective_url(handle, $0) }
        return .success(
            EgressResponse(
                status: status,
                headers: headers,
                body: body,
                url: finalURL.map { String(cString: $0) } ?? url
            )
        )
    }
}
