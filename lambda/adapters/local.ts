import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { EdgeConfig } from "../config.js";
import { createEdge, type Edge, type EdgeOptions } from "../core/edge.js";
import { AssertionBatcher } from "../core/assertion-batch.js";
import { LiteHeaders, LiteResponse, StreamResponse, type EdgeRequest, type EdgeResponse } from "../core/http.js";
import { LineBatcher } from "./line-batcher.js";
import { undiciForwarder, UpstreamBody } from "./undici-forward.js";

/**
 * The local node:http adapter (`dev`, tests, the local stack, a long-lived gateway). Its hot path
 * (gateway mode) is kept to what a plain proxy hop costs plus the edge's own work: no Fetch API
 * objects, no WHATWG streams, no `AbortController` per request (a `ClientGone` signal instead),
 * `IncomingMessage.headers` never materialised (the raw pairs are read once), the upstream body
 * written in one `end()` when it has arrived whole and forwarded chunk by chunk otherwise, and the
 * audit lines of one event-loop turn written to stdout in one `write` (`LineBatcher`).
 */

/**
 * The cancellation signal of one node:http request: the slice of `AbortSignal` the forwarders
 * use (`aborted`, `reason`, `addEventListener` / `removeEventListener` for `abort`, `onabort`,
 * `throwIfAborted`), without an `EventTarget` (creating an `AbortController` and its signal costs
 * more than a proxy hop's whole header handling). Aborts when the client goes away before its
 * response is complete. The Fetch API accepts it as a signal (it reads exactly these members).
 */
export class ClientGone {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((ev: { type: "abort" }) => void) | null = null;
  private listeners: Array<(ev: { type: "abort" }) => void> | undefined;
  addEventListener(type: string, fn: (ev: { type: "abort" }) => void): void {
    if (type !== "abort" || this.aborted) return;
    (this.listeners ??= []).push(fn);
  }
  removeEventListener(type: string, fn: (ev: { type: "abort" }) => void): void {
    if (type !== "abort" || !this.listeners) return;
    const i = this.listeners.indexOf(fn);
    if (i >= 0) this.listeners.splice(i, 1);
  }
  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }
  abort(reason: unknown = new Error("client went away")): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const ev = { type: "abort" as const };
    const list = this.listeners;
    this.listeners = undefined;
    this.onabort?.(ev);
    if (list) for (const fn of list) fn(ev);
  }
  /** Typed as the `AbortSignal` the core's `EdgeRequest` declares (it reads only the members above). */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}

/** Origins (`http://` + Host) already checked to join an origin-form target as they are. */
const plainOrigins = new Map<string, boolean>();
const PLAIN_ORIGIN = /^https?:\/\/[A-Za-z0-9.:[\]-]+$/;

/**
 * A node:http request as the core reads it, without the Fetch API: headers from the raw pairs
 * (repeated names joined with ", ", including `Authorization`, which node itself would silently
 * de-duplicate, so the core sees and refuses a request carrying two tokens), the body as the
 * `IncomingMessage` stream (the core counts its bytes as they arrive), and a signal that aborts
 * when the client goes away before its response is complete.
 */
export class NodeEdgeRequest implements EdgeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: LiteHeaders;
  readonly body: IncomingMessage | null;
  constructor(
    req: IncomingMessage,
    /** `http://` + authority when the caller knows it; else from the request's `Host` (`fallbackHost` when it has none). */
    origin: string | undefined,
    readonly signal?: AbortSignal,
    fallbackHost?: string,
  ) {
    this.method = req.method ?? "GET";
    const headers = new LiteHeaders();
    const raw = req.rawHeaders;
    // The first Host field names the origin (as `IncomingMessage.headers.host` would).
    let hostField: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      if (hostField === undefined && name.length === 4 && name.toLowerCase() === "host") hostField = raw[i + 1]!;
      headers.append(name, raw[i + 1]!);
    }
    this.headers = headers;
    const o = origin ?? `http://${hostField ?? fallbackHost ?? "localhost"}`;
    const path = req.url ?? "/";
    // An origin-form target (RFC 9112 §3.2.1) joins the origin as is; anything else is parsed.
    let plain = plainOrigins.get(o);
    if (plain === undefined) {
      plain = PLAIN_ORIGIN.test(o);
      if (plainOrigins.size < 256) plainOrigins.set(o, plain);
    }
    this.url = plain && path.charCodeAt(0) === 0x2f && path.charCodeAt(1) !== 0x2f ? `${o}${path}` : new URL(path, o).href;
    this.body = this.method === "GET" || this.method === "HEAD" ? null : req;
  }
  async text(): Promise<string> {
    if (!this.body) return "";
    const chunks: Buffer[] = [];
    for await (const c of this.body) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }
}

/** Response headers for `writeHead`: a flat raw array (`[name, value, …]`, repeated names such as `set-cookie` kept). */
function rawHeaders(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const out: string[] = [];
  for (let i = 0; i < pairs.length; i++) out.push(pairs[i]![0], pairs[i]![1]);
  return out;
}

function isEventStream(pairs: ReadonlyArray<readonly [string, string]>): boolean {
  for (let i = 0; i < pairs.length; i++) if (pairs[i]![0] === "content-type") return pairs[i]![1].startsWith("text/event-stream");
  return false;
}

/** The node stream slice of an upstream body (`IncomingMessage`). */
interface NodeBody {
  pipe: unknown;
  complete?: boolean;
  readableLength: number;
  readableEnded: boolean;
  read(): Buffer | null;
  resume(): unknown;
  pause(): unknown;
  on(event: string, fn: (arg?: unknown) => void): unknown;
  once(event: string, fn: (arg?: unknown) => void): unknown;
}

/**
 * Writes a core answer to node:http. An upstream node stream is forwarded chunk by chunk as it
 * arrives (an SSE event goes out as soon as the upstream sends it); a chunk the client socket
 * cannot take pauses the upstream until `drain` (back-pressure reaches the upstream socket); a
 * client that goes away cancels the upstream; an upstream that dies mid-stream cuts the client's
 * stream (never pretends it completed). An upstream body that has already arrived whole (a small
 * JSON answer, read in the same socket read as its headers) is written with the headers in one
 * `end()`.
 */
export async function writeEdgeResponse(res: ServerResponse, r: EdgeResponse): Promise<void> {
  if (r instanceof LiteResponse) {
    res.writeHead(r.status, r.headers);
    res.end(r.body ?? undefined);
    return;
  }
  if (!(r instanceof StreamResponse)) return writeResponse(res, r);
  if (r.body instanceof UpstreamBody) {
    const up = r.body;
    res.writeHead(r.status, rawHeaders(r.headers));
    // Whole already (a small JSON answer read with its headers): headers and body in one write.
    if (up.complete) {
      res.end(up.takeAll());
      return;
    }
    // An event stream with nothing of its body yet: the headers go out now (its client may wait for
    // them before the first event). Otherwise they go out with the first chunk, in the same write.
    if (up.queuedBytes === 0 && isEventStream(r.headers)) res.flushHeaders();
    return up.pipeTo(res);
  }
  const body = r.body as unknown as NodeBody;
  if (typeof body.pipe !== "function") {
    res.writeHead(r.status, rawHeaders(r.headers));
    return writeChunks(res, r);
  }
  if (body.complete === true) {
    // Whole already: everything it holds is buffered. Reading it to its end frees the upstream socket.
    const data = body.readableLength > 0 ? body.read() : null;
    body.resume();
    res.writeHead(r.status, rawHeaders(r.headers));
    res.end(data ?? undefined);
    return;
  }
  res.writeHead(r.status, rawHeaders(r.headers));
  // An event stream with nothing of its body yet: the headers go out now (its client may wait for
  // them before the first event). Otherwise they go out with the first chunk, in the same write.
  if (body.readableLength === 0 && isEventStream(r.headers)) res.flushHeaders();
  await new Promise<void>((resolve) => {
    let ended = false;
    res.once("close", () => {
      if (!res.writableFinished) r.cancel();
      resolve();
    });
    const cut = () => {
      if (!ended) res.destroy();
    };
    body.on("data", (c) => {
      if (!res.write(c as Buffer)) body.pause();
    });
    res.on("drain", () => body.resume());
    body.once("end", () => {
      ended = true;
      res.end();
    });
    // The upstream died mid-stream: cut the client's stream too.
    body.once("error", cut);
    body.once("aborted", cut);
    body.once("close", cut);
  });
}

/** Writes an async-iterable body chunk by chunk, waiting for `drain` (back-pressure). */
async function writeChunks(res: ServerResponse, r: StreamResponse): Promise<void> {
  await new Promise<void>((resolve) => {
    res.once("close", () => {
      if (!res.writableFinished) r.cancel();
      resolve();
    });
    void (async () => {
      for await (const chunk of r.body) if (!res.write(chunk)) await new Promise<void>((ok) => res.once("drain", ok).once("close", ok));
    })().then(
      () => res.end(),
      () => res.destroy(),
    );
  });
}

/** Writes a Fetch `Response` to node:http, streaming the body chunk by chunk (SSE stays unbuffered). */
export async function writeResponse(res: ServerResponse, r: Response, abort?: () => void): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  r.headers.forEach((v, k) => {
    if (k === "set-cookie") return;
    headers[k] = v;
  });
  const cookies = r.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(r.status, headers);
  if (!r.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = r.body.getReader();
  res.on("close", () => {
    void reader.cancel().catch(() => undefined);
    abort?.();
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // Upstream or client went away: end what we have.
  }
  res.end();
}

/** A running local edge. */
export interface LocalEdge {
  url: string;
  port: number;
  edge: Edge;
  close(): Promise<void>;
}

/**
 * Starts the edge on node:http (tests, `dev`, the local stack). Binds 127.0.0.1 and an ephemeral
 * port by default; passes the peer address as the source IP. Without an `audit` sink, audit
 * records go to stdout as JSON lines, those of one event-loop turn in one write (every line is
 * written before the next turn, and on `close()` and process exit).
 */
export async function startLocalEdge(opts: { configs: EdgeConfig[]; host?: string; port?: number } & EdgeOptions): Promise<LocalEdge> {
  const { configs, host = "127.0.0.1", port = 0, ...options } = opts;
  const stdout = options.audit ? undefined : new LineBatcher(1);
  // Gateway mode's upstream hop: undici pools unless the caller chose a forwarder (or a fetch).
  const upstream = options.forwarder || options.fetch ? undefined : undiciForwarder();
  const edge = createEdge(configs, {
    // One process serving concurrent requests: "batched" assertions share a signature per event-loop turn.
    batchAssertions: (signer) => new AssertionBatcher(signer),
    ...options,
    ...(stdout ? { audit: (_r, line) => stdout.push(line) } : {}),
    ...(upstream ? { forwarder: upstream } : {}),
  });
  let fallbackHost: string | undefined;
  const server = createServer((req, res) => {
    const gone = new ClientGone();
    res.once("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    let request: NodeEdgeRequest;
    try {
      request = new NodeEdgeRequest(req, undefined, gone.signal, (fallbackHost ??= `${host}:${(server.address() as AddressInfo).port}`));
    } catch {
      res.writeHead(400, { "content-type": "application/json", "cache-control": "no-store" }).end('{"error":"invalid_request"}');
      return;
    }
    edge
      .handleLite(request, { sourceIp: req.socket.remoteAddress })
      .then((r) => {
        // A body refused before it was read in full (413): answer, then close instead of reading the rest.
        if (!req.complete && r instanceof LiteResponse) res.once("finish", () => req.destroy());
        return writeEdgeResponse(res, r);
      })
      // After the response: audit records (`deferAudit`) and due checkpoints.
      .then(() => edge.afterResponse())
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end('{"error":"internal_error"}');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const h = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${h}:${actual}`,
    port: actual,
    edge,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      })
        .then(() => edge.flush()) // seal the audit chain's head with a checkpoint
        .finally(() => {
          stdout?.close();
          return upstream?.close();
        }),
  };
}
