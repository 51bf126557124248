import CCurl
import Foundation
import Glibc

extension HTTPClient {
    /// Performs one request whose body is streamed from the file `upload` (nil: no body) and whose
    /// response body is streamed into a new file `download` (nil: kept in memory, up to 1 MB).
    ///
    /// For large transfers (backups to an S3-compatible store) that must not be held in memory.
    /// libcurl's own `fread`/`fwrite` callbacks move the bytes.
    public static func perform(
        method: String,
        url: String,
        headers: [String] = [],
        upload: String?,
        download: String?,
        timeoutSeconds: Int = 3600
    ) throws -> HTTPClientResponse {
        if download == nil {
            guard let upload else {
                return try perform(method: method, url: url, headers: headers, timeoutSeconds: timeoutSeconds)
            }
            return try fileTransfer(method, url, headers, upload, nil, timeoutSeconds)
        }
        return try fileTransfer(method, url, headers, upload, download, timeoutSeconds)
    }

    private static func fileTransfer(
        _ method: String,
        _ url: String,
        _ headers: [String],
        _ upload: String?,
        _ download: String?,
        _ timeoutSeconds: Int
    ) throws -> HTTPClientResponse {
        let easy: CurlEasy
        do { easy = try CurlEasy() } catch { throw HTTPClientError(message: error.message) }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        var input: UnsafeMutablePointer<FILE>?
        var output: UnsafeMutablePointer<FILE>?
        defer {
            if let input { fclose(input) }
            if let output { fclose(output) }
        }
        var inMemory: String?
        do {
            try setRequest(easy, method, url, list, timeoutSeconds)
            if let upload {
                guard let file = fopen(upload, "rb") else {
                    throw HTTPClientError(message: "cannot open \(upload): \(String(cString: strerror(errno)))")
                }
                input = file
                var info = stat()
                fstat(fileno(file), &info)
                try easy.set(CURLOPT_UPLOAD, 1)
                try easy.set(CURLOPT_INFILESIZE_LARGE, offset: curl_off_t(info.st_size))
                try easy.set(CURLOPT_READDATA, pointer: UnsafeMutableRawPointer(file))
            }
            // Without a file to write into, the answer (an error body, a listing) goes to a
            // temporary file too, read back below.
            let target =
                download ?? NSTemporaryDirectory() + "/fazt-http-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
            if download == nil { inMemory = target }
            guard let file = fopen(target, "wb") else {
                throw HTTPClientError(message: "cannot create \(target): \(String(cString: strerror(errno)))")
            }
            output = file
            try easy.set(CURLOPT_WRITEDATA, pointer: UnsafeMutableRawPointer(file))
        } catch let error as CurlError {
            throw HTTPClientError(message: "\(method) \(url) was not sent: \(error.message)")
        }
        defer { if let inMemory { unlink(inMemory) } }
        let result = curl_easy_perform(easy.handle)
        if let output {
            fflush(output)
            fsync(fileno(output))
        }
        guard result == CURLE_OK else {
            throw HTTPClientError(message: "\(method) \(url) failed: \(String(cString: curl_easy_strerror(result)))")
        }
        var status = 0
        fazt_curl_get_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
        var body: [UInt8] = []
        if let inMemory, let data = FileManager.default.contents(atPath: inMemory) {
            body = Array(data.prefix(1 << 20))
        }
        return HTTPClientResponse(status: status, body: body)
    }
}
