import type { ServerResponse } from "node:http";
import { Pool, type Dispatcher } from "undici";
import type { Forwarder, UpstreamCall, UpstreamReply } from "../core/forward.js";

/**
 * The upstream hop of the long-lived node:http gateway (`startLocalEdge`) over undici's dispatcher
 * API: one keep-alive `Pool` per upstream origin, and per request one `dispatch` whose handler
 * hands the response straight to the edge's node:http response (`UpstreamBody.pipeTo`). No
 * `ClientRequest`, no `IncomingMessage`, no agent bookkeeping and no stream objects per request,
 * which is most of what node's own HTTP client costs a proxy hop. Not in the Lambda bundle: the
 * AWS entry forwards with `nodeForwarder` (core/node-forward.ts); this module is loaded by the
 * local adapter only.
 *
 * The handler speaks the callbacks undici 7's HTTP/1.1 client calls natively (`onConnect`,
 * `onHeaders`, `onData`, `onComplete`, `onError`); the controller API of undici 7 is an adapter
 * around them that parses every response's headers into an object, which the edge does not need.
 */

/** Options of `undiciForwarder`. */
export interface UndiciForwarderOptions {
  /** Most connections per upstream origin. Default 256. */
  connections?: number;
  /** Idle keep-alive connection lifetime, ms. Default 4000 (below Node's default 5 s server keep-alive, so the edge never reuses a socket the upstream is closing). */
  keepAliveTimeoutMs?: number;
  /**
   * Time allowed for the upstream's response headers, counted from the dispatch, ms; past it the
   * request fails (502 upstream_unreachable). Checked by a sweep every `min(1 s, timeout / 4)`, so
   * a request fails at most that much later. Default 300000.
   */
  headersTimeoutMs?: number;
  /** Longest silence allowed between two body chunks, ms; 0 for none (the default: an SSE stream may stay quiet for long). */
  bodyTimeoutMs?: number;
}

/** Request fields undici computes itself or refuses (framing, hop-by-hop, RFC 9110 §7.6.1). */
const OWN = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "expect"]);

/** Queued response bytes before the upstream is paused when nothing consumes them yet. */
const HIGH_WATER = 64 * 1024;

/**
 * An upstream response body: chunks go straight into the node:http response once `pipeTo` has
 * attached it (back-pressure pauses the upstream socket until `drain`), and are queued (bounded:
 * past `HIGH_WATER` the upstream is paused) until then. Async-iterable for any other consumer
 * (e.g. the core's list filter). A body whose response has already arrived whole (`complete`) is
 * taken in one piece (`takeAll`), so the edge writes it with the headers in one `end()`.
 */
export class UpstreamBody implements AsyncIterable<Uint8Array> {
  #queue: Buffer[] = [];
  #queued = 0;
  #done = false;
  #error: Error | undefined;
  /** undici's resume for a paused response. */
  #resume: (() => void) | undefined;
  #paused = false;
  /** The attached response, when piping. */
  #res: ServerResponse | undefined;
  /** An iterator waiting for the next chunk. */
  #wake: (() => void) | undefined;
  readonly #onDrain = () => this.#unpause();

  constructor(readonly cancel: () => void) {}

  /** The whole body has arrived (nothing more will be pushed). */
  get complete(): boolean {
    return this.#done && this.#error === undefined;
  }
  /** Bytes queued and not yet taken. */
  get queuedBytes(): number {
    return this.#queued;
  }

  /** @internal The handler's resume for a paused response. */
  setResume(resume: () => void): void {
    this.#resume = resume;
  }

  /** @internal A chunk from the upstream; false pauses the upstream until `#unpause`. */
  push(chunk: Buffer): boolean {
    const res = this.#res;
    if (res !== undefined) {
      if (res.write(chunk)) return true;
      this.#paused = true;
      return false;
    }
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    const wake = this.#wake;
    if (wake) {
      this.#wake = undefined;
      wake();
    }
    if (this.#queued < HIGH_WATER) return true;
    this.#paused = true;
    return false;
  }

  /** @internal The upstream response ended. */
  end(): void {
    this.#done = true;
    if (this.#res !== undefined) this.#res.end();
    this.#wakeUp();
  }

  /** @internal The upstream failed mid-body: the client's stream is cut, never completed. */
  fail(e: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = e;
    if (this.#res !== undefined) this.#res.destroy();
    this.#wakeUp();
  }

  /** Everything queued, in one buffer (the body of a `complete` response). */
  takeAll(): Buffer | undefined {
    const q = this.#queue;
    this.#queue = [];
    this.#queued = 0;
    return q.length === 0 ? undefined : q.length === 1 ? q[0] : Buffer.concat(q);
  }

  /**
   * Writes the body into `res` as it arrives (the headers are already set): queued chunks first,
   * then every chunk as the upstream sends it. Resolves when `res` closes; a client that goes
   * away before the end cancels the upstream.
   */
  pipeTo(res: ServerResponse): Promise<void> {
    return new Promise<void>((resolve) => {
      res.once("close", () => {
        this.#res = undefined;
        if (!res.writableFinished) this.cancel();
        resolve();
      });
      const q = this.#queue;
      this.#queue = [];
      this.#queued = 0;
      let full = false;
      for (let i = 0; i < q.length; i++) if (!res.write(q[i]!)) full = true;
      res.on("drain", this.#onDrain);
      if (this.#error !== undefined) {
        res.destroy();
        return;
      }
      if (this.#done) {
        res.end();
        return;
      }
      this.#res = res;
      if (!full) this.#unpause();
    });
  }

  #unpause(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#resume?.();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      if (this.#queue.length > 0) {
        const chunk = this.#queue.shift()!;
        this.#queued -= chunk.length;
        if (this.#queued < HIGH_WATER) this.#unpause();
        yield chunk;
        continue;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#done) return;
      await new Promise<void>((ok) => (this.#wake = ok));
    }
  }
}

/**
 * The upstream requests still waiting for their response headers, oldest first, and the one timer
 * that fails those past the headers timeout. undici's own `headersTimeout` arms a timer per request
 * whose cleared entry it drops only on its next 500 ms tick, so at gateway rates every request's
 * timer object outlives two young-generation collections and is promoted: the old generation then
 * grows by about 100 bytes per request between full collections (the process's RSS climbed 15 %
 * over a 60 s soak). Here the deadline is two fields on the exchange itself, linked into a list
 * ordered by deadline (one timeout for all, so a new exchange always goes last): nothing is
 * allocated per request, an exchange leaves the list as soon as its headers arrive, and the sweep
 * reads only the expired head of the list.
 */
class HeaderDeadlines {
  #head: Exchange | undefined;
  #tail: Exchange | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #tick: number;
  constructor(readonly timeoutMs: number) {
    this.#tick = Math.max(5, Math.min(1000, Math.floor(timeoutMs / 4)));
  }

  add(x: Exchange): void {
    x.deadline = Date.now() + this.timeoutMs;
    x.prev = this.#tail;
    x.next = undefined;
    if (this.#tail) this.#tail.next = x;
    else this.#head = x;
    this.#tail = x;
    x.listed = true;
    this.#timer ??= setInterval(() => this.#sweep(), this.#tick).unref();
  }

  delete(x: Exchange): void {
    if (!x.listed) return;
    x.listed = false;
    if (x.prev) x.prev.next = x.next;
    else this.#head = x.next;
    if (x.next) x.next.prev = x.prev;
    else this.#tail = x.prev;
    x.prev = x.next = undefined;
  }

  #sweep(): void {
    const now = Date.now();
    for (let x = this.#head; x !== undefined && x.deadline <= now; x = this.#head) {
      this.delete(x);
      x.timedOut(this.timeoutMs);
    }
    if (this.#head === undefined) this.close();
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** The dispatch handler of one upstream request. */
class Exchange implements Dispatcher.DispatchHandler {
  /** @internal `HeaderDeadlines`' list links and this exchange's deadline (epoch ms). */
  prev: Exchange | undefined = undefined;
  next: Exchange | undefined = undefined;
  deadline = 0;
  listed = false;
  #abort: ((e?: Error) => void) | undefined;
  #body: UpstreamBody | undefined;
  #settled = false;
  /** Set when the client went away before the request reached a connection. */
  #gone: Error | undefined;
  readonly #onGone = () => this.cancel(new Error("client went away"));
  constructor(
    readonly method: string,
    readonly signal: AbortSignal | undefined,
    readonly resolve: (r: UpstreamReply) => void,
    readonly reject: (e: Error) => void,
    readonly deadlines: HeaderDeadlines | undefined,
  ) {
    signal?.addEventListener("abort", this.#onGone);
    deadlines?.add(this);
  }

  cancel(e: Error): void {
    if (this.#abort) this.#abort(e);
    else this.#gone = e;
  }

  /** No response headers within the timeout: fails the request now, aborting it if it has a connection (or once it gets one). */
  timedOut(ms: number): void {
    const e = new Error(`upstream sent no response headers within ${ms} ms`);
    if (this.#abort) {
      this.#abort(e);
      return;
    }
    this.#gone = e;
    this.#fail(e);
  }

  #fail(e: Error): void {
    this.signal?.removeEventListener("abort", this.#onGone);
    this.deadlines?.delete(this);
    if (!this.#settled) {
      this.#settled = true;
      this.reject(e);
    } else this.#body?.fail(e);
  }

  onConnect(abort: (e?: Error) => void): void {
    this.#abort = abort;
    if (this.#gone) abort(this.#gone);
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    // Interim responses (1xx) are not forwarded; the final one follows.
    if (status < 200) return true;
    this.deadlines?.delete(this);
    const headers: Array<[string, string]> = [];
    for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i]!.toString("latin1").toLowerCase(), raw[i + 1]!.toString("latin1")]);
    const cancel = () => this.cancel(new Error("upstream response released"));
    // RFC 9110 §6.4.1: no content after a HEAD request, 204 or 304.
    const noBody = this.method === "HEAD" || status === 204 || status === 304;
    const body = noBody ? undefined : new UpstreamBody(cancel);
    body?.setResume(resume);
    this.#body = body;
    this.#settled = true;
    this.resolve({ status, headers, body: body ?? null, decoded: false, cancel });
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.#body === undefined ? true : this.#body.push(chunk);
  }

  onComplete(): void {
    this.signal?.removeEventListener("abort", this.#onGone);
    this.deadlines?.delete(this);
    this.#body?.end();
  }

  onError(e: Error): void {
    this.#fail(e);
  }
}

/** A parsed upstream origin + base path (a handful per edge). */
interface Target {
  pool: Pool;
  base: string;
}

/** A `Forwarder` over undici pools (one per upstream origin), for the long-lived node:http gateway. */
export function undiciForwarder(o: UndiciForwarderOptions = {}): Forwarder & { close(): Promise<void> } {
  const targets = new Map<string, Target>();
  const pools = new Map<string, Pool>();
  const headersTimeout = o.headersTimeoutMs ?? 300_000;
  if (!(Number.isFinite(headersTimeout) && headersTimeout >= 0)) throw new Error(`undiciForwarder: headersTimeoutMs must be a number of milliseconds ≥ 0 (0 for none), got ${String(headersTimeout)}`);
  const deadlines = headersTimeout > 0 ? new HeaderDeadlines(headersTimeout) : undefined;
  const targetOf = (key: string): Target => {
    let t = targets.get(key);
    if (!t) {
      const u = new URL(key);
      let pool = pools.get(u.origin);
      if (!pool) {
        pool = new Pool(u.origin, {
          connections: o.connections ?? 256,
          keepAliveTimeout: o.keepAliveTimeoutMs ?? 4000,
          // The headers timeout is `deadlines` (see HeaderDeadlines), not undici's per-request timer.
          headersTimeout: 0,
          bodyTimeout: o.bodyTimeoutMs ?? 0,
        });
        pools.set(u.origin, pool);
      }
      t = { pool, base: u.pathname };
      if (targets.size < 64) targets.set(key, t);
    }
    return t;
  };
  const forward = (c: UpstreamCall) =>
    new Promise<UpstreamReply>((resolve, reject) => {
      if (c.signal?.aborted) {
        reject(new Error("client went away"));
        return;
      }
      const url = c.url;
      const q = url.indexOf("?");
      const t = targetOf(q < 0 ? url : url.slice(0, q));
      const headers: string[] = [];
      const pairs = c.headers;
      for (let i = 0; i < pairs.length; i++) {
        const p = pairs[i]!;
        if (!OWN.has(p[0])) headers.push(p[0], p[1]);
      }
      // undici sets Host from the origin and Content-Length from the body (RFC 9112 §6.2).
      t.pool.dispatch(
        { path: q < 0 ? t.base : `${t.base}${url.slice(q)}`, method: c.method as Dispatcher.HttpMethod, headers, body: c.body ?? null },
        new Exchange(c.method, c.signal, resolve, reject, deadlines),
      );
    });
  return Object.assign(forward, {
    /** Closes every pool (idle connections at once, busy ones when their response ends). */
    close: () => Promise.all([...pools.values()].map((p) => p.close())).then(() => deadlines?.close()),
  });
}
