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
  /** Time allowed for the upstream's response headers, ms; past it the request fails (502 upstream_unreachable). Default 300000. */
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

/** The dispatch handler of one upstream request. */
class Exchange implements Dispatcher.DispatchHandler {
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
  ) {
    signal?.addEventListener("abort", this.#onGone);
  }

  cancel(e: Error): void {
    if (this.#abort) this.#abort(e);
    else this.#gone = e;
  }

  onConnect(abort: (e?: Error) => void): void {
    this.#abort = abort;
    if (this.#gone) abort(this.#gone);
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    // Interim responses (1xx) are not forwarded; the final one follows.
    if (status < 200) return true;
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
    this.#body?.end();
  }

  onError(e: Error): void {
    this.signal?.removeEventListener("abort", this.#onGone);
    if (!this.#settled) {
      this.#settled = true;
      this.reject(e);
    } else this.#body?.fail(e);
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
  const targetOf = (key: string): Target => {
    let t = targets.get(key);
    if (!t) {
      const u = new URL(key);
      let pool = pools.get(u.origin);
      if (!pool) {
        pool = new Pool(u.origin, {
          connections: o.connections ?? 256,
          keepAliveTimeout: o.keepAliveTimeoutMs ?? 4000,
          headersTimeout: o.headersTimeoutMs ?? 300_000,
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
        new Exchange(c.method, c.signal, resolve, reject),
      );
    });
  return Object.assign(forward, {
    /** Closes every pool (idle connections at once, busy ones when their response ends). */
    close: () => Promise.all([...pools.values()].map((p) => p.close())).then(() => undefined),
  });
}
