import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEdge, type LocalEdge } from "../../lambda/adapters/local.js";
import { undiciForwarder } from "../../lambda/adapters/undici-forward.js";
import { nodeForwarder } from "../../lambda/core/node-forward.js";
import { call, crmConfig, mint, NOW_MS, rsaKey, startUpstream } from "./helpers.js";

/**
 * The gateway's upstream hop over undici (the default of `startLocalEdge`) against node:http's
 * client (`nodeForwarder`, the reference): the same request through two edges in front of one
 * upstream must reach the upstream with the same headers and body, and come back to the client
 * with the same status, headers and body bytes, whatever the framing of the upstream's answer.
 */

const key = rsaKey();
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let route: Handler = (_q, res) => res.end("{}");
const seen: Array<{ url: string; headers: IncomingMessage["headers"]; raw: string[]; body: string }> = [];
const closed: string[] = [];
let upstream: Server;
let viaUndici: LocalEdge;
let viaNode: LocalEdge;

beforeAll(async () => {
  let url: string;
  ({ server: upstream, url } = await startUpstream((req, res, body) => {
    seen.push({ url: req.url ?? "", headers: req.headers, raw: req.rawHeaders, body });
    res.on("close", () => closed.push(req.url ?? ""));
    route(req, res, body);
  }));
  const cfg = crmConfig([key], { upstream: url, forwardHeaders: ["x-trace-id"] });
  const opts = { configs: [cfg], now: () => NOW_MS, audit: () => undefined, log: () => undefined };
  viaUndici = await startLocalEdge(opts);
  viaNode = await startLocalEdge({ ...opts, forwarder: nodeForwarder() });
});
afterAll(async () => {
  await viaUndici?.close();
  await viaNode?.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

interface Got {
  status: number;
  /** Raw response header pairs, names lowercased, `date` left out (it names the second). */
  headers: Array<[string, string]>;
  body: string;
}

/** One request to an edge, read to its end with node's client (raw header pairs kept, repeated names too). */
function send(edge: LocalEdge, headers: Record<string, string>, body: string | undefined, path = "/crm", method = "POST"): Promise<Got> {
  const u = new URL(edge.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method, headers: { "content-type": "application/json", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i]!.toLowerCase() !== "date") pairs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const auth = () => ({ authorization: `Bearer ${mint(key, { scope: "crm:customers:read crm:deals:read" })}` });
const BODY = JSON.stringify(call("list_customers", { query: "acme" }));

/** The same request through both edges: what the client got and what the upstream saw, each way. */
async function both(headers: Record<string, string>, body: string | undefined = BODY, path = "/crm", method = "POST") {
  const a = await send(viaNode, headers, body, path, method);
  const seenA = seen.at(-1)!;
  const b = await send(viaUndici, headers, body, path, method);
  const seenB = seen.at(-1)!;
  return { node: a, undici: b, seenNode: seenA, seenUndici: seenB };
}

/** Request headers the upstream saw, minus those that name the edge instance (its port) or the request (`jti`). */
function comparable(h: IncomingMessage["headers"]): Record<string, unknown> {
  const { "mcp-edge-assertion": assertion, forwarded, "x-forwarded-host": xfh, ...rest } = h;
  expect(typeof assertion).toBe("string");
  expect(forwarded).toMatch(/^for=127\.0\.0\.1;host="127\.0\.0\.1:\d+";proto=http$/);
  expect(xfh).toMatch(/^127\.0\.0\.1:\d+$/);
  return rest;
}

describe("gateway upstream hop over undici, differential against node:http's client", () => {
  it("sends the upstream the same allow-listed headers, Host, Content-Length and body bytes", async () => {
    route = (_q, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}");
    const body = JSON.stringify(call("list_customers", { query: "é😀 acme" }));
    const r = await both({ ...auth(), "mcp-session-id": "s-1", "mcp-protocol-version": "2025-11-25", "x-trace-id": "t-1", "x-api-key": "k", cookie: "a=1", "user-agent": "test/1" }, body, "/crm?x=1&y=%20");
    expect(r.node.status).toBe(200);
    expect(r.undici.status).toBe(200);
    expect(comparable(r.seenUndici.headers)).toEqual(comparable(r.seenNode.headers));
    expect(r.seenUndici.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(r.seenUndici.headers.host).toBe(new URL(`http://${r.seenNode.headers.host}`).host);
    for (const name of ["authorization", "x-api-key", "cookie"]) expect(r.seenUndici.headers[name]).toBeUndefined();
    expect(r.seenUndici.body).toBe(body);
    expect(r.seenUndici.url).toBe("/mcp?x=1&y=%20");
    expect(r.seenUndici.url).toBe(r.seenNode.url);
  });

  it("returns the same status, headers (repeated Set-Cookie kept, hop-by-hop stripped) and body for content-length, chunked, large and empty answers", async () => {
    const answers: Array<[string, Handler]> = [
      ["content-length", (_q, res) => res.writeHead(200, { "content-type": "application/json", "x-kept": "yes" }).end('{"jsonrpc":"2.0","id":1,"result":{}}')],
      [
        "chunked, split over time",
        (_q, res) => {
          res.writeHead(200, [["content-type", "application/json"], ["set-cookie", "a=1"], ["set-cookie", "b=2"], ["connection", "keep-alive, x-internal-hop"], ["x-internal-hop", "secret"], ["keep-alive", "timeout=77"]] as unknown as Record<string, string>);
          res.write('{"a":');
          setTimeout(() => res.end('"é😀"}'), 20);
        },
      ],
      ["large (1 MB, chunked)", (_q, res) => res.writeHead(200, { "content-type": "application/json" }).end(`"${"x".repeat(1024 * 1024)}"`)],
      ["empty with content-length 0", (_q, res) => res.writeHead(200, { "content-type": "application/json", "content-length": "0" }).end()],
      ["202 without a body", (_q, res) => res.writeHead(202).end()],
      ["204", (_q, res) => res.writeHead(204, { "x-kept": "yes" }).end()],
    ];
    for (const [name, handler] of answers) {
      route = handler;
      const r = await both(auth());
      expect(r.undici, name).toEqual(r.node);
      expect(r.undici.headers.map(([k]) => k), name).not.toContain("x-internal-hop");
      // The edge's own server announces its keep-alive to the client; the upstream's never passes.
      expect(r.undici.headers, name).not.toContainEqual(["keep-alive", "timeout=77"]);
    }
  });

  it("answers an upstream 401 or 403 with a generic 502 and an upstream 5xx with a generic body, as the node client does", async () => {
    for (const status of [401, 403, 500, 503]) {
      route = (_q, res) => res.writeHead(status, { "www-authenticate": 'Bearer error="invalid_token"', "content-type": "text/plain", "retry-after": "3" }).end("stack trace password=hunter2");
      const r = await both(auth());
      expect(r.undici).toEqual(r.node);
      expect(r.undici.status).toBe(status >= 500 ? status : 502);
      expect(r.undici.body).not.toContain("hunter2");
    }
  });

  it("answers 502 upstream_unreachable when the upstream cannot be reached", async () => {
    const closedServer = createServer();
    await new Promise<void>((r) => closedServer.listen(0, "127.0.0.1", () => r()));
    const port = (closedServer.address() as AddressInfo).port;
    await new Promise<void>((r) => closedServer.close(() => r()));
    const edge = await startLocalEdge({ configs: [crmConfig([key], { upstream: `http://127.0.0.1:${port}/mcp` })], now: () => NOW_MS, audit: () => undefined, log: () => undefined });
    try {
      const r = await send(edge, auth(), BODY);
      expect(r.status).toBe(502);
      expect(JSON.parse(r.body)).toEqual({ error: "upstream_unreachable" });
    } finally {
      await edge.close();
    }
  });

  it("answers 502 when the upstream sends no response headers within headersTimeoutMs", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const port = (silent.address() as AddressInfo).port;
    const edge = await startLocalEdge({ configs: [crmConfig([key], { upstream: `http://127.0.0.1:${port}/mcp` })], now: () => NOW_MS, audit: () => undefined, log: () => undefined, forwarder: undiciForwarder({ headersTimeoutMs: 200 }) });
    try {
      const t = Date.now();
      const r = await send(edge, auth(), BODY);
      expect(r.status).toBe(502);
      expect(JSON.parse(r.body)).toEqual({ error: "upstream_unreachable" });
      expect(Date.now() - t).toBeLessThan(3000);
    } finally {
      await edge.close();
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it("fails a request still queued for a connection once the headers timeout passes, and a later one still gets through", async () => {
    let answer = false;
    const slow = createServer((_q, res) => {
      if (answer) res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", () => r()));
    const port = (slow.address() as AddressInfo).port;
    // One connection: the second request waits in the pool behind the silent first one.
    const edge = await startLocalEdge({ configs: [crmConfig([key], { upstream: `http://127.0.0.1:${port}/mcp` })], now: () => NOW_MS, audit: () => undefined, log: () => undefined, forwarder: undiciForwarder({ headersTimeoutMs: 200, connections: 1 }) });
    try {
      const t = Date.now();
      const [a, b] = await Promise.all([send(edge, auth(), BODY), send(edge, auth(), BODY)]);
      expect([a.status, b.status]).toEqual([502, 502]);
      expect(JSON.parse(b.body)).toEqual({ error: "upstream_unreachable" });
      expect(Date.now() - t).toBeLessThan(3000);
      answer = true;
      expect((await send(edge, auth(), BODY)).status).toBe(200);
    } finally {
      await edge.close();
      slow.closeAllConnections();
      await new Promise<void>((r) => slow.close(() => r()));
    }
  });

  it("never cuts a response whose headers came in time, however long its body then takes", async () => {
    const streaming = createServer((_q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('data: {"n":1}\n\n');
      setTimeout(() => res.end('data: {"n":2}\n\n'), 600);
    });
    await new Promise<void>((r) => streaming.listen(0, "127.0.0.1", () => r()));
    const port = (streaming.address() as AddressInfo).port;
    const edge = await startLocalEdge({ configs: [crmConfig([key], { upstream: `http://127.0.0.1:${port}/mcp` })], now: () => NOW_MS, audit: () => undefined, log: () => undefined, forwarder: undiciForwarder({ headersTimeoutMs: 150 }) });
    try {
      const r = await send(edge, { ...auth(), accept: "application/json, text/event-stream" }, BODY);
      expect(r.status).toBe(200);
      expect(r.body).toBe('data: {"n":1}\n\ndata: {"n":2}\n\n');
    } finally {
      await edge.close();
      streaming.closeAllConnections();
      await new Promise<void>((r) => streaming.close(() => r()));
    }
  });

  it("refuses a headers timeout that is not a number of milliseconds, naming the option", () => {
    expect(() => undiciForwarder({ headersTimeoutMs: -1 })).toThrow(/headersTimeoutMs/);
    expect(() => undiciForwarder({ headersTimeoutMs: Number.NaN })).toThrow(/headersTimeoutMs/);
  });

  it("cuts the client's stream, never completes it, when the upstream dies mid-body", async () => {
    route = (_q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('data: {"n":1}\n\n');
      setTimeout(() => res.socket?.destroy(), 30);
    };
    for (const edge of [viaNode, viaUndici]) {
      const u = new URL(edge.url);
      const outcome = await new Promise<string>((resolve) => {
        const req = httpRequest({ host: u.hostname, port: u.port, path: "/crm", method: "POST", headers: { ...auth(), "content-type": "application/json" } }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text += c));
          res.on("end", () => resolve(`ended:${text}`));
          res.on("aborted", () => resolve(`cut:${text}`));
          res.on("error", () => resolve(`cut:${text}`));
        });
        req.on("error", () => resolve("cut:"));
        req.end(BODY);
      });
      expect(outcome).toBe('cut:data: {"n":1}\n\n');
    }
  });

  it("delivers each SSE event as the upstream sends it, and cancels the upstream request when the client goes away", async () => {
    let next: (() => void) | undefined;
    route = (_q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('data: {"n":1}\n\n');
      next = () => res.write('data: {"n":2}\n\n');
    };
    const before = closed.length;
    const ac = new AbortController();
    const res = await fetch(`${viaUndici.url}/crm?sse-cancel=1`, { method: "POST", signal: ac.signal, headers: { ...auth(), "content-type": "application/json" }, body: BODY });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"n":1}\n\n');
    next!();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"n":2}\n\n');
    ac.abort();
    const deadline = Date.now() + 3000;
    while (!closed.slice(before).includes("/mcp?sse-cancel=1") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(closed.slice(before)).toContain("/mcp?sse-cancel=1");
  });
});

describe("undiciForwarder's body for other consumers (async iteration)", () => {
  it("yields every byte of a large chunked answer in order, pausing the upstream while unread", async () => {
    const text = Array.from({ length: 4000 }, (_, i) => `line ${i} ${"y".repeat(200)}\n`).join("");
    route = (_q, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      let i = 0;
      const step = 64 * 1024;
      const pump = () => {
        while (i < text.length) {
          const ok = res.write(text.slice(i, (i += step)));
          if (!ok) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    };
    const f = undiciForwarder();
    try {
      const reply = await f({ url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`, method: "POST", headers: [["content-type", "application/json"]], body: "{}" });
      expect(reply.status).toBe(200);
      expect(reply.headers).toContainEqual(["content-type", "text/plain"]);
      // Nothing reads for a while: the body must not take in the whole answer meanwhile.
      await new Promise((r) => setTimeout(r, 100));
      const chunks: Buffer[] = [];
      for await (const c of reply.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
      expect(Buffer.concat(chunks).toString()).toBe(text);
    } finally {
      await f.close();
    }
  });

  it("rejects with the upstream's error before any response, and releases the connection on cancel", async () => {
    const f = undiciForwarder();
    try {
      await expect(f({ url: "http://127.0.0.1:1/mcp", method: "POST", headers: [], body: "{}" })).rejects.toThrow();
      route = (_q, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write("data: {}\n\n");
      };
      const before = closed.length;
      const reply = await f({ url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp?release=1`, method: "POST", headers: [], body: "{}" });
      reply.cancel();
      const deadline = Date.now() + 3000;
      while (!closed.slice(before).includes("/mcp?release=1") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(closed.slice(before)).toContain("/mcp?release=1");
    } finally {
      await f.close();
    }
  });
});
