/// The prelude's `fazt.ai`: calls to language models that the daemon makes with the owner's
/// provider keys (JavaScript only ever names a model alias). Each call is an `ai` frame to the
/// daemon; a streamed call's events come back as `aiEvent` frames and every call ends with one
/// `aiDone` (`__fazt_aiEvent`, `__fazt_aiDone`). Evaluated inside the prelude's function scope
/// (after the storage part, whose `FaztError` it uses).
extension Prelude {
    static let ai = #"""
          // ---- AbortController / AbortSignal (the web API, enough for fazt.ai's `signal`) ----------
          const abortError = (name, message) => new DOMException(message, name);
          class AbortSignal {
            constructor() { this.aborted = false; this.reason = undefined; this.onabort = null; this._listeners = []; }
            addEventListener(type, listener, options) {
              if (type !== "abort" || !listener) return;
              const call = typeof listener === "function" ? listener : typeof listener.handleEvent === "function" ? (e) => listener.handleEvent(e) : null;
              if (call) this._listeners.push(call);
            }
            removeEventListener(type, listener) { this._listeners = this._listeners.filter((l) => l !== listener); }
            throwIfAborted() { if (this.aborted) throw this.reason; }
            _abort(reason) {
              if (this.aborted) return;
              this.aborted = true;
              this.reason = reason === undefined ? abortError("AbortError", "This operation was aborted") : reason;
              const event = { type: "abort", target: this };
              if (typeof this.onabort === "function") this.onabort(event);
              for (const listener of this._listeners.slice()) listener(event);
            }
            static abort(reason) { const signal = new AbortSignal(); signal._abort(reason); return signal; }
            static any(signals) {
              const signal = new AbortSignal();
              for (const source of signals) {
                if (source.aborted) { signal._abort(source.reason); break; }
                source.addEventListener("abort", () => signal._abort(source.reason));
              }
              return signal;
            }
            static timeout(ms) {
              const signal = new AbortSignal();
              setTimeout(() => signal._abort(abortError("TimeoutError", "The operation timed out")), Number(ms) || 0);
              return signal;
            }
          }
          class AbortController {
            constructor() { this.signal = new AbortSignal(); }
            abort(reason) { this.signal._abort(reason); }
          }
          if (typeof globalThis.AbortController === "undefined") {
            Object.defineProperty(globalThis, "AbortController", { value: AbortController, writable: true, configurable: true });
            Object.defineProperty(globalThis, "AbortSignal", { value: AbortSignal, writable: true, configurable: true });
          }

          // ---- fazt.ai ------------------------------------------------------------------------
          const aiCalls = new Map();
          let nextAI = 1;
          const aiOptionsText = (options, what) => {
            if (!options || typeof options !== "object" || Array.isArray(options)) {
              throw new FaztError("INVALID_ARGUMENT", `${what}: pass an options object, e.g. {model: "default", prompt: "Hello"}`);
            }
            try { return JSON.stringify(options); }
            catch (error) { throw new FaztError("INVALID_ARGUMENT", `${what}: the options are not JSON (${error.message})`); }
          };
          // Starts a call; `onEvent` gets each event of a streamed call (as an object). A `signal`
          // that aborts stops the call in the daemon (its upstream connection closes) and rejects.
          const aiStart = (mode, options, what, onEvent) => new Promise((resolve, reject) => {
            let signal = null;
            if (options && typeof options === "object" && "signal" in options) {
              ({ signal } = options);
              options = Object.assign({}, options);
              delete options.signal;
              if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) {
                throw new FaztError("INVALID_ARGUMENT", `${what}: signal must be an AbortSignal (new AbortController().signal)`);
              }
              if (signal && signal.aborted) { reject(signal.reason); return; }
            }
            const text = aiOptionsText(options, what);
            const id = nextAI++;
            aiCalls.set(id, { resolve, reject, onEvent });
            if (signal) {
              signal.addEventListener("abort", () => {
                if (!aiCalls.has(id)) return;
                aiCalls.delete(id);
                host.aiCancel(id);
                reject(signal.reason);
              });
            }
            host.ai(id, mode, text);
          });
          Object.defineProperty(globalThis, "__fazt_aiEvent", {
            value: function (id, text) {
              const call = aiCalls.get(id);
              if (call && call.onEvent) call.onEvent(JSON.parse(text));
            },
          });
          Object.defineProperty(globalThis, "__fazt_aiDone", {
            value: function (id, text, code, message) {
              const call = aiCalls.get(id);
              if (!call) return;
              aiCalls.delete(id);
              if (code !== null) call.reject(new FaztError(code, message));
              else call.resolve(JSON.parse(text));
            },
          });
          // A streamed answer: `for await (const event of stream)` in the handler, `stream.result`
          // for the whole answer (text, tool calls, usage, cost) once it ends.
          // Nothing is sent until the stream is iterated, its result read, or toResponse() called.
          class AIStream {
            constructor(options) {
              this._options = options;
              aiOptionsText(options, "fazt.ai.stream");
              this._events = [];
              this._waiting = null;
              this._ended = false;
              this._failure = null;
              this._result = null;
              this._responding = false;
            }
            get result() {
              if (this._responding) throw new FaztError("INVALID_ARGUMENT", "fazt.ai.stream: this stream goes to the HTTP response (toResponse)");
              if (this._result === null) {
                this._result = aiStart("stream", this._options, "fazt.ai.stream", (event) => {
                  if (this._waiting) { const wake = this._waiting; this._waiting = null; wake({ value: event, done: false }); }
                  else this._events.push(event);
                }).then(
                  (result) => { this._end(null); return result; },
                  (error) => { this._end(error); throw error; },
                );
                // Unobserved failures surface through the iterator instead.
                this._result.catch(() => {});
              }
              return this._result;
            }
            // The answer as server-sent events to the HTTP caller, sent by the daemon after the
            // handler returns this response (event: TYPE, data: the event's JSON).
            toResponse() {
              if (this._result !== null) throw new FaztError("INVALID_ARGUMENT", "fazt.ai.stream: toResponse() after the stream was read");
              this._responding = true;
              return aiStart("response", this._options, "fazt.ai.stream").then(({ streamId }) => new Response(null, {
                status: 200,
                headers: { "content-type": "text/event-stream; charset=utf-8", "x-fazt-ai-stream": streamId },
              }));
            }
            _end(error) {
              this._ended = true;
              this._failure = error;
              if (this._waiting) {
                const wake = this._waiting;
                this._waiting = null;
                if (error) wake(Promise.reject(error)); else wake({ value: undefined, done: true });
              }
            }
            [Symbol.asyncIterator]() {
              void this.result;
              return {
                next: () => {
                  if (this._events.length) return Promise.resolve({ value: this._events.shift(), done: false });
                  if (this._ended) return this._failure ? Promise.reject(this._failure) : Promise.resolve({ value: undefined, done: true });
                  return new Promise((resolve) => { this._waiting = resolve; });
                },
              };
            }
          }
          const ai = Object.freeze(Object.assign(
            (options) => aiStart("call", options, "fazt.ai"),
            {
              // With `channel`, the daemon publishes the events to that channel and keeps going after
              // the handler returns: resolves at once with {streamId}.
              stream(options) {
                if (options && typeof options === "object" && typeof options.channel === "string") {
                  return aiStart("channel", options, "fazt.ai.stream");
                }
                return new AIStream(options);
              },
              embed: (options) => aiStart("embed", options, "fazt.ai.embed"),
              // Stops a channel stream (its upstream connection closes); false when none runs.
              cancel(streamId) {
                const id = streamId && typeof streamId === "object" ? streamId.streamId : streamId;
                if (typeof id !== "string" || id === "") throw new FaztError("INVALID_ARGUMENT", "fazt.ai.cancel: pass the streamId from fazt.ai.stream({channel})");
                return storageCall("ai.cancel", id) === "true";
              },
            },
          ));

        """#
}
