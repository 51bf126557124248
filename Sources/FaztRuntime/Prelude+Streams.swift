/// The prelude's `ReadableStream`: the web API's default stream (underlying source with `start`,
/// `pull` and `cancel`; a default reader; async iteration; `ReadableStream.from`). A handler that
/// answers with a stream body has each chunk sent to the client as it is enqueued (see
/// `Prelude+Workers.swift`). Evaluated inside the prelude's function scope.
extension Prelude {
    static let streams = #"""
          // ---- ReadableStream --------------------------------------------------------------
          class ReadableStream {
            constructor(source, strategy) {
              source = source === undefined || source === null ? {} : source;
              if (typeof source !== "object") throw new TypeError("ReadableStream: the source must be an object {start, pull, cancel}");
              if (source.type === "bytes") source = Object.assign({}, source, { type: undefined });
              this._source = source;
              this._queue = [];
              this._waiters = [];
              this._state = "readable";
              this._error = undefined;
              this._locked = false;
              this._started = false;
              this._pulling = false;
              this._pullAgain = false;
              this._highWaterMark = strategy && strategy.highWaterMark !== undefined ? Math.max(0, Number(strategy.highWaterMark) || 0) : 1;
              const stream = this;
              this._controller = {
                get desiredSize() { return stream._state === "readable" ? stream._highWaterMark - stream._queue.length : stream._state === "closed" ? 0 : null; },
                enqueue(chunk) {
                  if (stream._state !== "readable" || stream._closeRequested) throw new TypeError("ReadableStream: cannot enqueue after close() or error()");
                  if (stream._waiters.length > 0) stream._waiters.shift().resolve({ value: chunk, done: false });
                  else stream._queue.push(chunk);
                  stream._pullIfNeeded();
                },
                close() {
                  if (stream._state !== "readable" || stream._closeRequested) throw new TypeError("ReadableStream: the stream is already closed");
                  stream._closeRequested = true;
                  if (stream._queue.length === 0) stream._finish();
                },
                error(reason) { stream._fail(reason); },
              };
              let started;
              try { started = typeof source.start === "function" ? source.start(this._controller) : undefined; }
              catch (error) { this._fail(error); return; }
              Promise.resolve(started).then(() => { this._started = true; this._pullIfNeeded(); }, (error) => this._fail(error));
            }
            get locked() { return this._locked; }
            _finish() {
              this._state = "closed";
              for (const waiter of this._waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
            }
            _fail(reason) {
              if (this._state !== "readable") return;
              this._state = "errored";
              this._error = reason;
              this._queue = [];
              for (const waiter of this._waiters.splice(0)) waiter.reject(reason);
            }
            _pullIfNeeded() {
              if (!this._started || this._state !== "readable" || this._closeRequested || typeof this._source.pull !== "function") return;
              if (this._waiters.length === 0 && this._queue.length >= this._highWaterMark) return;
              if (this._pulling) { this._pullAgain = true; return; }
              this._pulling = true;
              let pulled;
              try { pulled = this._source.pull(this._controller); } catch (error) { this._fail(error); return; }
              Promise.resolve(pulled).then(() => {
                this._pulling = false;
                if (this._pullAgain) { this._pullAgain = false; this._pullIfNeeded(); }
              }, (error) => this._fail(error));
            }
            _read() {
              if (this._queue.length > 0) {
                const value = this._queue.shift();
                if (this._closeRequested && this._queue.length === 0) this._finish();
                else this._pullIfNeeded();
                return Promise.resolve({ value, done: false });
              }
              if (this._state === "closed") return Promise.resolve({ value: undefined, done: true });
              if (this._state === "errored") return Promise.reject(this._error);
              return new Promise((resolve, reject) => { this._waiters.push({ resolve, reject }); this._pullIfNeeded(); });
            }
            _cancel(reason) {
              if (this._state === "closed") return Promise.resolve();
              if (this._state === "errored") return Promise.reject(this._error);
              this._queue = [];
              this._finish();
              try { return Promise.resolve(typeof this._source.cancel === "function" ? this._source.cancel(reason) : undefined).then(() => undefined); }
              catch (error) { return Promise.reject(error); }
            }
            getReader(options) {
              if (options && options.mode === "byob") throw new TypeError("ReadableStream: byob readers are not supported; use getReader()");
              if (this._locked) throw new TypeError("ReadableStream: the stream is locked to another reader");
              return new ReadableStreamDefaultReader(this);
            }
            cancel(reason) {
              if (this._locked) return Promise.reject(new TypeError("ReadableStream: cannot cancel a locked stream"));
              return this._cancel(reason);
            }
            async pipeTo(destination) {
              const writer = destination.getWriter();
              for await (const chunk of this) await writer.write(chunk);
              await writer.close();
            }
            tee() {
              const reader = this.getReader();
              const branches = [];
              let reading = null;
              const pull = () => reading || (reading = reader.read().then(({ value, done }) => {
                reading = null;
                for (const branch of branches) { if (done) branch.close(); else branch.enqueue(value); }
              }, (error) => { for (const branch of branches) branch.error(error); }));
              const make = () => new ReadableStream({ start(c) { branches.push(c); }, pull });
              return [make(), make()];
            }
            values(options) {
              const reader = this.getReader();
              const keep = options && options.preventCancel;
              return {
                next: () => reader.read().then((result) => { if (result.done) reader.releaseLock(); return result; }),
                return: (value) => { const done = keep ? Promise.resolve() : reader.cancel(value); reader.releaseLock(); return done.then(() => ({ value, done: true })); },
                [Symbol.asyncIterator]() { return this; },
              };
            }
            [Symbol.asyncIterator](options) { return this.values(options); }
            static from(iterable) {
              if (iterable instanceof ReadableStream) return iterable;
              const iterator = typeof iterable[Symbol.asyncIterator] === "function" ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
              return new ReadableStream({
                async pull(controller) {
                  const { value, done } = await iterator.next();
                  if (done) controller.close(); else controller.enqueue(value);
                },
                async cancel(reason) { if (typeof iterator.return === "function") await iterator.return(reason); },
              });
            }
          }
          class ReadableStreamDefaultReader {
            constructor(stream) {
              if (!(stream instanceof ReadableStream)) throw new TypeError("ReadableStreamDefaultReader: pass a ReadableStream");
              if (stream._locked) throw new TypeError("ReadableStream: the stream is locked to another reader");
              stream._locked = true;
              this._stream = stream;
              this.closed = new Promise((resolve, reject) => { this._closed = { resolve, reject }; });
              this.closed.catch(() => {});
            }
            read() {
              if (!this._stream) return Promise.reject(new TypeError("ReadableStreamDefaultReader: the reader was released"));
              const stream = this._stream;
              return stream._read().then((result) => {
                if (result.done) this._closed.resolve();
                return result;
              }, (error) => { this._closed.reject(error); throw error; });
            }
            cancel(reason) { return this._stream ? this._stream._cancel(reason) : Promise.resolve(); }
            releaseLock() { if (this._stream) { this._stream._locked = false; this._stream = null; } }
          }

        """#
}
