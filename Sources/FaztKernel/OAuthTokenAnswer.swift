import FaztJSON

/// What a token endpoint answered: tokens, or the OAuth error it named (RFC 6749 §5.1, §5.2).
///
/// JSON is the standard; GitHub answers form-encoded unless asked for JSON, so both are read.
public struct OAuthTokenAnswer: Sendable, Equatable {
    public var accessToken: String?
    public var refreshToken: String?
    public var tokenType: String?
    /// Seconds until the access token expires (nil: the provider did not say).
    public var expiresIn: Int64?
    public var scope: String?
    /// The `error` code (`invalid_grant`, …), when the endpoint refused.
    public var error: String?
    public var errorDescription: String?

    /// Reads an answer body (JSON object, else form-encoded).
    public init(body: [UInt8]) {
        var fields: [String: String] = [:]
        if let value = try? JSONValue.decode(body), case .object(let members) = value {
            for (key, member) in members {
                switch member {
                case .string(let text): fields[key] = text
                case .number(let number): fields[key] = JSONValue.format(number)
                case .bool(let flag): fields[key] = flag ? "true" : "false"
                default: break
                }
            }
            // Slack nests a user token under `authed_user` when only user scopes were asked for.
            if fields["access_token"] == nil, let user = value["authed_user"], case .object = user {
                fields["access_token"] = user["access_token"]?.stringValue
                fields["refresh_token"] = fields["refresh_token"] ?? user["refresh_token"]?.stringValue
                fields["token_type"] = fields["token_type"] ?? user["token_type"]?.stringValue
                if let seconds = user["expires_in"]?.numberValue { fields["expires_in"] = JSONValue.format(seconds) }
            }
        } else {
            for (key, value) in FormEncoding.decode(String(decoding: body, as: UTF8.self)) { fields[key] = value }
        }
        accessToken = fields["access_token"].flatMap { $0.isEmpty ? nil : $0 }
        refreshToken = fields["refresh_token"].flatMap { $0.isEmpty ? nil : $0 }
        tokenType = fields["token_type"].flatMap { $0.isEmpty ? nil : $0 }
        expiresIn = fields["expires_in"].flatMap { Double($0) }.map { Int64($0) }
        scope = fields["scope"]
        error = fields["error"].flatMap { $0.isEmpty ? nil : $0 }
        errorDescription = fields["error_description"]
        // Slack answers 200 with `"ok": false` and an `error`.
        if fields["ok"] == "false", error == nil { error = "ok_false" }
    }

    /// The token type as sent in `Authorization`: `Bearer` whatever case the provider used.
    public var authorizationScheme: String {
        guard let tokenType, tokenType.lowercased() != "bearer" else { return "Bearer" }
        return tokenType
    }

    /// The provider's error in words, for `last_error` and error pages (never carries a token).
    public var errorText: String {
        let code = error ?? "no access_token in the answer"
        guard let description = errorDescription, !description.isEmpty else { return code }
        return "\(code): \(description.prefix(200))"
    }
}
