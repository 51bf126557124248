/// The prelude's scheduler API: `fazt.schedule(delay, state, options)` with `.cancel`, `.get` and
/// `.list`. Synchronous like storage; the daemon's scheduler answers. Evaluated inside the prelude's
/// function scope (after the storage part, whose `storageCall` and `jsonText` it uses).
extension Prelude {
    static let scheduler = #"""
          // ---- scheduler ----------------------------------------------------------------------
          // The handler file of the running invocation: the default handler of fazt.schedule.
          let currentFile = "";
          const DURATION = /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)?\s*$/;
          function scheduleWhen(delay) {
            if (delay instanceof Date) return JSON.stringify({ at: delay.getTime() });
            if (typeof delay === "number") return JSON.stringify(delay);
            if (typeof delay === "string") {
              if (DURATION.test(delay)) return JSON.stringify(delay.trim());
              const at = Date.parse(delay);
              if (!Number.isNaN(at)) return JSON.stringify({ at });
            }
            throw new FaztError("INVALID_ARGUMENT", "schedule: delay must be milliseconds, a duration like \"5m\", a Date or an ISO time");
          }
          function scheduleTarget(idOrKey) {
            if (typeof idOrKey === "number" || typeof idOrKey === "string") return JSON.stringify(idOrKey);
            if (idOrKey && typeof idOrKey === "object" && "id" in idOrKey) return JSON.stringify(idOrKey.id);
            throw new FaztError("INVALID_ARGUMENT", "schedule: give a job id or key");
          }
          // A job handler must export scheduled() (or be a function): checked here, at once, from
          // the loaded module when it is loaded, else from its source (host.kernelProblem).
          const kernelProblems = new Map();
          function kernelProblem(raw, name) {
            if (typeof raw !== "string") return null;
            let path = raw;
            while (path.startsWith("/") || path.startsWith("./")) path = path.slice(path.startsWith("/") ? 1 : 2);
            if (!/\.m?[jt]s$/.test(path) || !host.exists(path)) return null; // the daemon names these
            const key = name + ":" + path;
            if (kernelProblems.has(key)) return kernelProblems.get(key);
            const cached = modules.get(path);
            let problem = null;
            if (cached && cached.loaded && cached.form !== "script") {
              const e = entryOf(cached.exports, [name]);
              const ok = typeof e === "function" || (e && (typeof e[name] === "function" || typeof e.default === "function"));
              if (!ok) problem = `${path} does not export ${name}(): add module.exports = { async ${name}(${name === "event" ? "event" : "state"}, job) { … } }`;
            } else {
              problem = host.kernelProblem(path, name);
            }
            kernelProblems.set(key, problem);
            return problem;
          }
          const schedule = function schedule(delay, state, options) {
            const o = options === undefined || options === null ? {} : options;
            if (typeof o !== "object") throw new FaztError("INVALID_ARGUMENT", "schedule: options must be an object");
            const problem = kernelProblem(o.handler === undefined || o.handler === null ? currentFile : o.handler, "scheduled");
            if (problem) throw new FaztError("INVALID_ARGUMENT", "schedule: " + problem);
            return JSON.parse(storageCall("schedule.add", scheduleWhen(delay), jsonText(state, "the state"), jsonText(o, "the options"), currentFile));
          };
          schedule.cancel = (idOrKey) => storageCall("schedule.cancel", scheduleTarget(idOrKey)) === "true";
          schedule.get = (idOrKey) => JSON.parse(storageCall("schedule.get", scheduleTarget(idOrKey)));
          schedule.list = (options) => {
            const o = options || {};
            return JSON.parse(storageCall("schedule.list", String(o.limit === undefined ? 100 : o.limit), o.status ? String(o.status) : ""));
          };
          Object.freeze(schedule);

          // A job or event delivery: the handler file exports `scheduled(state, job)` (or
          // `event(event, job)`), or is itself a function.
          // Failures that another attempt cannot fix (the file does not compile, a module is
          // missing, nothing to call) carry code BAD_HANDLER or MODULE_NOT_FOUND: the scheduler
          // marks such a job dead at once instead of retrying it.
          async function invokeKernel(file, kind, payload) {
            // An MCP tool of the app (`"mcp"` in fazt.json): module.exports = async (args, ctx) => value.
            const name = kind === "event" ? "event" : kind === "mcp" ? "tool" : "scheduled";
            const exports = await loadEntry(file, [name]);
            // A named export wins: an HTTP handler file may also export `scheduled`.
            const handler = exports && typeof exports[name] === "function" ? exports[name]
              : typeof exports === "function" ? exports
              : exports && typeof exports.default === "function" ? exports.default : null;
            if (handler === null) {
              const error = new Error(`${file} exports no ${name}() function (module.exports = { ${name}(${kind === "event" ? "event" : kind === "mcp" ? "args, ctx" : "state, job"}) { … } })`);
              error.code = "BAD_HANDLER";
              throw error;
            }
            return handler(payload.state, payload.job);
          }

        """#
}
