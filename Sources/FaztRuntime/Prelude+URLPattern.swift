/// The prelude's `URLPattern`: enough of the web API for routers. Patterns per component
/// (`protocol`, `username`, `password`, `hostname`, `port`, `pathname`, `search`, `hash`) with
/// `:name` groups (optionally `(regex)` and a `?`, `+` or `*` modifier), `*` wildcards, unnamed
/// `(regex)` groups and `{…}` groups; `test()` and `exec()` against a URL string or an object.
/// Evaluated inside the prelude's function scope.
extension Prelude {
    static let urlPattern = #"""
          // ---- URLPattern ------------------------------------------------------------------
          const URL_PATTERN_PARTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
          const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&");
          // One component's pattern → { regex, names } (names of the capturing groups, in order).
          function compileURLPattern(pattern, part) {
            const segment = part === "pathname" ? "[^/]+?" : part === "hostname" ? "[^.]+?" : "[\\s\\S]+?";
            const names = [];
            let numbered = 0;
            let at = 0;
            function readRegex() {
              // At "(": up to the matching ")", escapes kept.
              let depth = 0, out = "";
              for (; at < pattern.length; at++) {
                const c = pattern[at];
                if (c === "\\") { out += c + (pattern[at + 1] || ""); at++; continue; }
                if (c === "(") { depth++; if (depth === 1) continue; }
                if (c === ")") { depth--; if (depth === 0) { at++; return out.replace(/\((?!\?)/g, "(?:"); } }
                out += c;
              }
              throw new TypeError(`URLPattern: an unclosed "(" in ${part} pattern "${pattern}"`);
            }
            function readModifier() {
              const c = pattern[at];
              if (c === "?" || c === "+" || c === "*") { at++; return c; }
              return "";
            }
            function parse(closing) {
              let out = "";
              while (at < pattern.length) {
                const c = pattern[at];
                if (closing && c === "}") { at++; return out; }
                if (c === "\\") { out += escapeRegex(pattern[at + 1] || ""); at += 2; continue; }
                let body = null;
                if (c === ":") {
                  const name = /^:([A-Za-z_$][\w$]*)/.exec(pattern.slice(at));
                  if (!name) throw new TypeError(`URLPattern: a ":" without a group name in ${part} pattern "${pattern}"`);
                  at += name[0].length;
                  names.push(name[1]);
                  body = pattern[at] === "(" ? readRegex() : segment;
                } else if (c === "(") {
                  names.push(String(numbered++));
                  body = readRegex();
                } else if (c === "*") {
                  at++;
                  names.push(String(numbered++));
                  body = "[\\s\\S]*";
                } else if (c === "{") {
                  at++;
                  const inner = parse(true);
                  const modifier = readModifier();
                  out += `(?:${inner})${modifier}`;
                  continue;
                }
                if (body === null) { out += escapeRegex(c); at++; continue; }
                const modifier = readModifier();
                // A "/" before an optional or repeated pathname group belongs to it ("/books/:id?" matches "/books").
                const prefix = part === "pathname" && out.endsWith("\\/") && modifier !== "" ? "\\/" : "";
                if (prefix) out = out.slice(0, -2);
                if (modifier === "") out += `(${body})`;
                else if (modifier === "?") out += `(?:${prefix}(${body}))?`;
                else {
                  const repeated = `((?:${body})(?:${prefix}(?:${body}))*)`;
                  out += modifier === "+" ? `${prefix}${repeated}` : `(?:${prefix}${repeated})?`;
                }
              }
              if (closing) throw new TypeError(`URLPattern: an unclosed "{" in ${part} pattern "${pattern}"`);
              return out;
            }
            const source = parse(false);
            return { regex: new RegExp(`^${source}$`, part === "protocol" || part === "hostname" ? "i" : ""), names };
          }
          // A URL pattern string ("https://*.example.com/books/:id") split into components.
          function splitURLPatternString(text, baseURL) {
            const full = /^([^:/?#]+):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(text);
            if (full) {
              const host = /^(.*?)(?::(\d+|\*|:\w+))?$/.exec(full[2]);
              return { protocol: full[1], hostname: host[1], port: host[2] || "", pathname: full[3] || "/", search: full[4] === undefined ? "*" : full[4], hash: full[5] === undefined ? "*" : full[5] };
            }
            const parts = { pathname: text };
            if (baseURL !== undefined) {
              const base = new URL(baseURL);
              parts.protocol = base.protocol.replace(/:$/, "");
              parts.hostname = base.hostname;
              parts.port = base.port;
            }
            return parts;
          }
          class URLPattern {
            constructor(input = {}, baseURL) {
              const parts = typeof input === "string" ? splitURLPatternString(input, baseURL) : Object.assign({}, input);
              if (input === null || (typeof input !== "string" && typeof input !== "object")) {
                throw new TypeError("URLPattern: pass a pattern string or an object such as {pathname: \"/books/:id\"}");
              }
              this._parts = {};
              for (const part of URL_PATTERN_PARTS) {
                const pattern = parts[part] === undefined ? "*" : String(parts[part]);
                this[part] = pattern;
                this._parts[part] = compileURLPattern(pattern, part);
              }
            }
            _components(input, baseURL) {
              if (typeof input === "string" || input instanceof URL) {
                let url;
                try { url = input instanceof URL ? input : new URL(input, baseURL); } catch { return null; }
                return {
                  protocol: url.protocol.replace(/:$/, ""), username: url.username, password: url.password, hostname: url.hostname,
                  port: url.port, pathname: url.pathname, search: url.search.replace(/^\?/, ""), hash: url.hash.replace(/^#/, ""),
                };
              }
              if (!input || typeof input !== "object") return null;
              const out = {};
              for (const part of URL_PATTERN_PARTS) out[part] = input[part] === undefined ? "" : String(input[part]);
              return out;
            }
            test(input, baseURL) { return this.exec(input, baseURL) !== null; }
            exec(input, baseURL) {
              const components = this._components(input, baseURL);
              if (components === null) return null;
              const result = { inputs: baseURL === undefined ? [input] : [input, baseURL] };
              for (const part of URL_PATTERN_PARTS) {
                const { regex, names } = this._parts[part];
                const match = regex.exec(components[part]);
                if (!match) return null;
                const groups = {};
                names.forEach((name, i) => { groups[name] = match[i + 1]; });
                result[part] = { input: components[part], groups };
              }
              return result;
            }
          }

        """#
}
