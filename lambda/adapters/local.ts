import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { EdgeConfig } from "../config.js";
import { createEdge, type Edge, type EdgeOptions } from "../core/edge.js";

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
    let request: Request;
    try {
      request = toRequest(req, `http://${hostHeader}`);
    } catch {
      res.writeHead(400, { "content-type": "application/json", "cache-control": "no-store" }).end('{"error":"invalid_request"}');
      return;
    }
    edge
      .handle(request, { sourceIp: req.socket.remoteAddress })
      .then((r) => writeResponse(res, r))
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
