/// The prelude's `fazt.secrets`: `hmac`, `sign` and `verify` run in the daemon with the owner's
/// secret, so its bytes never enter JavaScript; `get` returns a value only when the owner marked
/// the secret readable. Synchronous like storage (`host.storeBytes` carries the data). Evaluated
/// inside the prelude's scope, after the storage part.
extension Prelude {
    static let secrets = #"""
          // ---- secrets --------------------------------------------------------------------------
          const SECRET_DATA_LIMIT = 1 << 20;
          const secretBytes = (data, what) => {
            let bytes;
            if (typeof data === "string") bytes = new TextEncoder().encode(data);
            else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data.slice(0));
            else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
            else throw new FaztError("INVALID_ARGUMENT", `fazt.secrets: ${what} must be a string, an ArrayBuffer or a Uint8Array (for a webhook, the raw body: await req.text())`);
            if (bytes.byteLength > SECRET_DATA_LIMIT) throw new FaztError("TOO_LARGE", `fazt.secrets: ${what} is ${bytes.byteLength} bytes (limit 1 MB)`);
            return bytes;
          };
          const secretName = (name) => {
            if (typeof name !== "string" || name === "") throw new FaztError("INVALID_ARGUMENT", "fazt.secrets: the secret name must be a non-empty string, like \"STRIPE_WEBHOOK_SECRET\"");
            return name;
          };
          const secretOptions = (options, what) => {
            if (options === undefined || options === null) return {};
            if (typeof options !== "object") throw new FaztError("INVALID_ARGUMENT", `fazt.secrets.${what}: options must be an object`);
            return options;
          };
          const secretCall = (op, name, options, bytes) => {
            const out = host.storeBytes(op, secretName(name), jsonText(options, "the options"), bytes);
            if (out.charCodeAt(0) === 1) {
              const split = out.indexOf("\u0001", 1);
              throw new FaztError(out.slice(1, split), out.slice(split + 1));
            }
            return JSON.parse(out);
          };
          const isBytes = (value) => value instanceof ArrayBuffer || ArrayBuffer.isView(value);
          const hexOf = (value) => Array.from(secretBytes(value, "the signature"), (b) => b.toString(16).padStart(2, "0")).join("");
          const secrets = Object.freeze({
            get(name) { return JSON.parse(storageCall("secrets.get", secretName(name))); },
            hmac(name, data, options) {
              const o = secretOptions(options, "hmac");
              return secretCall("secrets.hmac", name, { alg: o.alg, encoding: o.encoding }, secretBytes(data, "the data"));
            },
            // An object is the JWT claims (JSON); a string or bytes is the payload as it is.
            sign(name, data, options) {
              const o = secretOptions(options, "sign");
              const payload = data !== null && typeof data === "object" && !isBytes(data) ? jsonText(data, "the claims") : data;
              return secretCall("secrets.sign", name, { alg: o.alg, header: o.header }, secretBytes(payload, "the payload"));
            },
            // verify(name, data, signature, {alg, encoding}), or verify(name, jws) for a compact JWS.
            verify(name, data, signature, options) {
              let o;
              let sig = signature;
              if (sig !== null && typeof sig === "object" && !isBytes(sig) && options === undefined) { o = secretOptions(sig, "verify"); sig = undefined; }
              else o = Object.assign({}, secretOptions(options, "verify"));
              if (isBytes(sig)) { o.encoding = "hex"; sig = hexOf(sig); }
              if (sig !== undefined && sig !== null && typeof sig !== "string") throw new FaztError("INVALID_ARGUMENT", "fazt.secrets.verify: the signature must be a string (hex, base64 or base64url) or bytes");
              if ((sig === undefined || sig === null) && typeof data !== "string") throw new FaztError("INVALID_ARGUMENT", "fazt.secrets.verify: give the signature, or a compact JWS (header.payload.signature) as the data");
              return secretCall("secrets.verify", name, { alg: o.alg, encoding: o.encoding, signature: sig === undefined ? null : sig }, secretBytes(data, "the data"));
            },
          });

        """#
}
