import CCurl

/// One libcurl easy handle, freed in `deinit`; every option it sets is checked.
///
/// Options that enforce the egress policy (protocols, the socket-open callback, limits) must never be
/// skipped silently: a refused option throws, and the request is not made.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer

    /// Options made to fail as if libcurl refused them (tests of the fail-closed paths).
    nonisolated(unsafe) static var refusedForTesting: Set<UInt32> = []

    init() throws(CurlError) {
        CurlEasy.globalInit()
        guard let handle = curl_easy_init() else { throw CurlError(message: "cannot initialise libcurl") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// Runs `curl_global_init` once per process (lazy static initialisation is thread-safe).
    private static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    static func globalInit() { _ = initialised }

    func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(option, fazt_curl_set_long(handle, option, value))
    }

    func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        try check(option, fazt_curl_set_str(handle, option, value))
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(CurlError) {
        try check(option, fazt_curl_set_ptr(handle, option, pointer))
    }

    func set(_ option: CURLoption, offset: curl_off_t) throws(CurlError) {
        try check(option, fazt_curl_set_off(handle, option, offset))
    }

    func setCallback(_ option: CURLoption, _ callback: fazt_curl_data_cb) throws(CurlError) {
        try check(option, fazt_curl_set_data_cb(handle, option, callback))
    }

    func setProgress(_ callback: fazt_curl_progress_cb) throws(CurlError) {
        try check(CURLOPT_XFERINFOFUNCTION, fazt_curl_set_progress_cb(handle, callback))
    }

    /// libcurl calls `callback` once the connection is ready, just before the request is sent.
    func setPrerequest(_ callback: fazt_curl_prereq_cb) throws(CurlError) {
        try check(CURLOPT_PREREQFUNCTION, fazt_curl_set_prereq_cb(handle, callback))
    }

    func setOpenSocket(_ callback: fazt_curl_opensocket_cb) throws(CurlError) {
        try check(CURLOPT_OPENSOCKETFUNCTION, fazt_curl_set_opensocket_cb(handle, callback))
    }

    private func check(_ option: CURLoption, _ code: CURLcode) throws(CurlError) {
        if CurlEasy.refusedForTesting.contains(option.rawValue) {
            throw CurlError(option: option, code: CURLE_UNKNOWN_OPTION)
        }
        guard code == CURLE_OK else { throw CurlError(option: option, code: code) }
    }
}

/// A libcurl call that failed, with libcurl's own words.
struct CurlError: Error, CustomStringConvertible {
    var message: String

    init(message: String) { self.message = message }

    init(option: CURLoption, code: CURLcode) {
        let name = CurlError.names[option.rawValue] ?? "option \(option.rawValue)"
        message = "libcurl refused \(name): \(String(cString: curl_easy_strerror(code)))"
    }

    /// A failed `curl_multi_*` call.
    init(multi call: String, code: CURLMcode) {
        message = "libcurl \(call) failed: \(String(cString: curl_multi_strerror(code)))"
    }

    var description: String { message }

    private static let names: [UInt32: String] = [
        CURLOPT_URL.rawValue: "CURLOPT_URL", CURLOPT_CUSTOMREQUEST.rawValue: "CURLOPT_CUSTOMREQUEST",
        CURLOPT_HTTPHEADER.rawValue: "CURLOPT_HTTPHEADER", CURLOPT_PROTOCOLS_STR.rawValue: "CURLOPT_PROTOCOLS_STR",
        CURLOPT_REDIR_PROTOCOLS_STR.rawValue: "CURLOPT_REDIR_PROTOCOLS_STR",
        CURLOPT_FOLLOWLOCATION.rawValue: "CURLOPT_FOLLOWLOCATION", CURLOPT_MAXREDIRS.rawValue: "CURLOPT_MAXREDIRS",
        CURLOPT_NOSIGNAL.rawValue: "CURLOPT_NOSIGNAL", CURLOPT_TIMEOUT.rawValue: "CURLOPT_TIMEOUT",
        CURLOPT_CONNECTTIMEOUT.rawValue: "CURLOPT_CONNECTTIMEOUT",
        CURLOPT_ACCEPT_ENCODING.rawValue: "CURLOPT_ACCEPT_ENCODING", CURLOPT_USERAGENT.rawValue: "CURLOPT_USERAGENT",
        CURLOPT_NOBODY.rawValue: "CURLOPT_NOBODY", CURLOPT_POSTFIELDSIZE_LARGE.rawValue: "CURLOPT_POSTFIELDSIZE_LARGE",
        CURLOPT_COPYPOSTFIELDS.rawValue: "CURLOPT_COPYPOSTFIELDS", CURLOPT_POSTFIELDS.rawValue: "CURLOPT_POSTFIELDS",
        CURLOPT_PRIVATE.rawValue: "CURLOPT_PRIVATE", CURLOPT_WRITEFUNCTION.rawValue: "CURLOPT_WRITEFUNCTION",
        CURLOPT_WRITEDATA.rawValue: "CURLOPT_WRITEDATA", CURLOPT_HEADERFUNCTION.rawValue: "CURLOPT_HEADERFUNCTION",
        CURLOPT_HEADERDATA.rawValue: "CURLOPT_HEADERDATA",
        CURLOPT_OPENSOCKETFUNCTION.rawValue: "CURLOPT_OPENSOCKETFUNCTION",
        CURLOPT_PREREQFUNCTION.rawValue: "CURLOPT_PREREQFUNCTION",
        CURLOPT_OPENSOCKETDATA.rawValue: "CURLOPT_OPENSOCKETDATA", CURLOPT_NOPROGRESS.rawValue: "CURLOPT_NOPROGRESS",
        CURLOPT_XFERINFOFUNCTION.rawValue: "CURLOPT_XFERINFOFUNCTION",
        CURLOPT_XFERINFODATA.rawValue: "CURLOPT_XFERINFODATA",
    ]
}
