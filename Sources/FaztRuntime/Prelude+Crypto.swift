/// The prelude's `crypto`: random values, `crypto.subtle.digest`, and HMAC keys with
/// `importKey`/`exportKey`/`sign`/`verify` (the hashing runs natively, in `host.digest` and
/// `host.hmac`).
///
/// A key's bytes live in a `WeakMap` private to the prelude, reached through functions bound before
/// any app code runs, so an app that replaces `WeakMap.prototype` still cannot read them.
extension Prelude {
    static let crypto = #"""
          // ---- crypto ---------------------------------------------------------------------------
          class DOMException extends Error {
            constructor(message = "", name = "Error") { super(message); this.name = name; }
          }
          const cryptoError = (name, message) => new DOMException(message, name);
          const HASHES = ["SHA-1", "SHA-256", "SHA-384", "SHA-512"];
          const keyStore = new WeakMap();
          const keyBytesOf = WeakMap.prototype.get.bind(keyStore);
          const keyBytesSet = WeakMap.prototype.set.bind(keyStore);
          const keyToken = Symbol("CryptoKey");
          class CryptoKey {
            constructor(token) { if (token !== keyToken) throw new TypeError("CryptoKey cannot be constructed: use crypto.subtle.importKey"); }
          }
          function algorithmName(algorithm, what) {
            const name = typeof algorithm === "string" ? algorithm : algorithm && typeof algorithm === "object" ? algorithm.name : undefined;
            if (typeof name !== "string") throw new TypeError(`${what}: the algorithm must be a name or an object with a name, like "HMAC" or {name: "HMAC", hash: "SHA-256"}`);
            return name;
          }
          function hashName(hash, what) {
            const name = typeof hash === "string" ? hash : hash && typeof hash === "object" ? hash.name : undefined;
            if (typeof name !== "string") throw new TypeError(`${what}: HMAC needs a hash, like {name: "HMAC", hash: "SHA-256"}`);
            const known = HASHES.find((h) => h === name.toUpperCase());
            if (!known) throw cryptoError("NotSupportedError", `${what}: unsupported hash ${name}: use one of ${HASHES.join(", ")}`);
            return known;
          }
          function bufferSource(data, what) {
            if (!isBinary(data)) throw new TypeError(`${what} must be an ArrayBuffer, a typed array or a DataView (for text, pass new TextEncoder().encode(text))`);
            return new Uint8Array(bytesOf(data));
          }
          function hmacKey(algorithm, key, usage, what) {
            const name = algorithmName(algorithm, what);
            if (name.toUpperCase() !== "HMAC") throw cryptoError("NotSupportedError", `${what}: unsupported algorithm ${name}: only HMAC is supported`);
            const bytes = key instanceof CryptoKey ? keyBytesOf(key) : undefined;
            if (!bytes) throw new TypeError(`${what}: the key must be a CryptoKey from crypto.subtle.importKey`);
            if (!key.usages.includes(usage)) throw cryptoError("InvalidAccessError", `${what}: the key does not allow "${usage}": import it with "${usage}" in its usages`);
            return bytes;
          }
          const subtle = Object.freeze({
            async digest(algorithm, data) {
              const name = typeof algorithm === "string" ? algorithm : algorithm && algorithm.name;
              const bytes = typeof data === "string" ? utf8Encode(data) : new Uint8Array(bytesOf(data));
              return host.digest(String(name), bytes);
            },
            async importKey(format, keyData, algorithm, extractable, usages) {
              const what = "crypto.subtle.importKey";
              if (format !== "raw") throw cryptoError("NotSupportedError", `${what}: unsupported format ${String(format)}: only "raw" is supported`);
              const name = algorithmName(algorithm, what);
              if (name.toUpperCase() !== "HMAC") throw cryptoError("NotSupportedError", `${what}: unsupported algorithm ${name}: only HMAC is supported`);
              if (typeof algorithm !== "object") throw new TypeError(`${what}: HMAC needs a hash, like {name: "HMAC", hash: "SHA-256"}`);
              const hash = hashName(algorithm.hash, what);
              const bytes = bufferSource(keyData, `${what}: the key data`);
              if (bytes.length === 0) throw cryptoError("DataError", `${what}: the key data is empty: pass at least one byte`);
              const bits = bytes.length * 8;
              if (algorithm.length !== undefined && algorithm.length !== bits) {
                throw cryptoError("DataError", `${what}: length ${algorithm.length} does not match the key data (${bits} bits): leave it out`);
              }
              if (!Array.isArray(usages)) throw new TypeError(`${what}: usages must be an array, like ["sign", "verify"]`);
              const bad = usages.find((u) => u !== "sign" && u !== "verify");
              if (bad !== undefined) throw cryptoError("SyntaxError", `${what}: an HMAC key cannot be used to ${String(bad)}: use "sign" and "verify"`);
              if (usages.length === 0) throw cryptoError("SyntaxError", `${what}: usages is empty: pass ["sign"], ["verify"] or both`);
              const key = new CryptoKey(keyToken);
              Object.defineProperties(key, {
                type: { value: "secret", enumerable: true },
                extractable: { value: Boolean(extractable), enumerable: true },
                algorithm: { value: Object.freeze({ name: "HMAC", hash: Object.freeze({ name: hash }), length: bits }), enumerable: true },
                usages: { value: Object.freeze(["sign", "verify"].filter((u) => usages.includes(u))), enumerable: true },
              });
              keyBytesSet(Object.freeze(key), bytes);
              return key;
            },
            async exportKey(format, key) {
              const what = "crypto.subtle.exportKey";
              const bytes = key instanceof CryptoKey ? keyBytesOf(key) : undefined;
              if (!bytes) throw new TypeError(`${what}: the key must be a CryptoKey from crypto.subtle.importKey`);
              if (format !== "raw") throw cryptoError("NotSupportedError", `${what}: unsupported format ${String(format)}: only "raw" is supported`);
              if (!key.extractable) throw cryptoError("InvalidAccessError", `${what}: the key is not extractable: import it with extractable true`);
              return new Uint8Array(bytes).buffer;
            },
            async sign(algorithm, key, data) {
              const what = "crypto.subtle.sign";
              const bytes = hmacKey(algorithm, key, "sign", what);
              return host.hmac(key.algorithm.hash.name, bytes, bufferSource(data, `${what}: the data`));
            },
            async verify(algorithm, key, signature, data) {
              const what = "crypto.subtle.verify";
              const bytes = hmacKey(algorithm, key, "verify", what);
              const expected = bufferSource(signature, `${what}: the signature`);
              return host.hmac(key.algorithm.hash.name, bytes, bufferSource(data, `${what}: the data`), expected);
            },
          });
          const crypto = {
            getRandomValues(view) {
              if (!ArrayBuffer.isView(view) || view instanceof Float32Array || view instanceof Float64Array) {
                throw new TypeError("getRandomValues needs an integer typed array");
              }
              host.fillRandom(view);
              return view;
            },
            randomUUID() {
              const b = host.fillRandom(new Uint8Array(16));
              b[6] = (b[6] & 0x0f) | 0x40;
              b[8] = (b[8] & 0x3f) | 0x80;
              const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
              return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
            },
            subtle,
          };

        """#
}
