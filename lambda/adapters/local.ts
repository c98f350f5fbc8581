import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { EdgeConfig } from "../config.js";
import { createEdge, type Edge, type EdgeOptions } from "../core/edge.js";
import { LiteHeaders, LiteResponse, StreamResponse, type EdgeRequest, type EdgeResponse } from "../core/http.js";

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
    origin: string,
    readonly signal?: AbortSignal,
  ) {
    this.method = req.method ?? "GET";
    const path = req.url ?? "/";
    // An origin-form target (RFC 9112 §3.2.1) joins the origin as is; anything else is parsed.
    const plain = path.charCodeAt(0) === 0x2f && path.charCodeAt(1) !== 0x2f && /^https?:\/\/[A-Za-z0-9.:[\]-]+$/.test(origin);
    this.url = plain ? `${origin}${path}` : new URL(path, origin).href;
    const raw = req.rawHeaders;
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
    this.headers = new LiteHeaders(pairs);
    this.body = this.method === "GET" || this.method === "HEAD" ? null : req;
  }
  async text(): Promise<string> {
    if (!this.body) return "";
    const chunks: Buffer[] = [];
    for await (const c of this.body) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }
}

/** Response headers for `writeHead`: repeated names (e.g. `set-cookie`) as arrays. */
function nodeHeaders(pairs: Iterable<readonly [string, string]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/**
 * Writes a core answer to node:http. An upstream node stream is piped (back-pressure: a slow
 * client pauses the upstream socket), with headers flushed first so an SSE stream's first event
 * goes out as soon as the upstream sends it; a client that goes away cancels the upstream.
 */
export async function writeEdgeResponse(res: ServerResponse, r: EdgeResponse): Promise<void> {
  if (r instanceof LiteResponse) {
    res.writeHead(r.status, r.headers);
    res.end(r.body ?? undefined);
    return;
  }
  if (!(r instanceof StreamResponse)) return writeResponse(res, r);
  const headers = nodeHeaders(r.headers);
  res.writeHead(r.status, headers);
  // An event stream's headers go out at once (a client may wait for them before the first event);
  // other bodies carry their headers in their first write.
  if (String(headers["content-type"] ?? "").startsWith("text/event-stream")) res.flushHeaders();
  const body = r.body as unknown as import("node:stream").Readable;
  await new Promise<void>((resolve) => {
    res.once("close", () => {
      if (!res.writableFinished) r.cancel();
      resolve();
    });
    // The upstream died mid-stream: cut the client's stream too (never pretend it completed).
    if (typeof body.pipe === "function") {
      body.once("error", () => res.destroy());
      body.once("aborted", () => res.destroy());
      body.pipe(res);
      return;
    }
    void (async () => {
      for await (const chunk of r.body) if (!res.write(chunk)) await new Promise<void>((ok) => res.once("drain", ok).once("close", ok));
    })().then(
      () => res.end(),
      () => res.destroy(),
    );
  });
}

/**
 * Converts a node:http request to a Fetch `Request`. Repeated headers are joined with ", " —
 * including `Authorization`, which node itself would silently de-duplicate, so the core sees
 * (and refuses) a request carrying two tokens.
 */
export function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const ac = new AbortController();
  req.on("close", () => {
    if (!req.complete) ac.abort();
  });
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    signal: ac.signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: "half" } : {}),
  } as RequestInit);
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
 * port by default; passes the peer address as the source IP.
 */
export async function startLocalEdge(opts: { configs: EdgeConfig[]; host?: string; port?: number } & EdgeOptions): Promise<LocalEdge> {
  const { configs, host = "127.0.0.1", port = 0, ...options } = opts;
  const edge = createEdge(configs, options);
  const server = createServer((req, res) => {
    const hostHeader = req.headers.host ?? `${host}:${(server.address() as AddressInfo).port}`;
    let request: NodeEdgeRequest;
    const ac = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) ac.abort();
    });
    try {
      request = new NodeEdgeRequest(req, `http://${hostHeader}`, ac.signal);
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
      }).then(() => edge.flush()), // seal the audit chain's head with a checkpoint
  };
}
