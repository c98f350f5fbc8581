import { createHash, generateKeyPairSync } from "node:crypto";
import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEdge, type LocalEdge } from "../../lambda/adapters/local.js";
import { parseEdgeConfig } from "../../lambda/config.js";
import { createEdge, MAX_BODY_BYTES } from "../../lambda/core/edge.js";
import { verifyEdgeAssertion } from "../../lambda/upstream.js";
import { call, crmConfig, mint, NOW_MS, rsaKey, startUpstream } from "./helpers.js";

/** The gateway on node:http (upstream hop over undici, the default) in front of a real upstream: headers, errors, streaming, cancellation. */

const key = rsaKey();
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let route: Handler = (_q, res) => res.end("{}");
const seen: Array<{ headers: IncomingMessage["headers"]; body: string }> = [];
const closed: string[] = [];
let upstream: Server;
let edge: LocalEdge;
let upstreamUrl: string;

beforeAll(async () => {
  ({ server: upstream, url: upstreamUrl } = await startUpstream((req, res, body) => {
    seen.push({ headers: req.headers, body });
    res.on("close", () => closed.push(req.url ?? ""));
    route(req, res, body);
  }));
  const cfg = crmConfig([key], { upstream: upstreamUrl, forwardHeaders: ["x-trace-id", "x-hop"] });
  edge = await startLocalEdge({ configs: [cfg], now: () => NOW_MS, audit: () => undefined, log: () => undefined });
});
afterAll(async () => {
  await edge?.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

/** A raw node:http request to the edge (headers exactly as given, body optional). */
function send(headers: Record<string, string>, body?: string, path = "/crm"): Promise<{ status: number; headers: IncomingMessage["headers"]; text: string }> {
  const u = new URL(edge.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: "POST", headers: { "content-type": "application/json", ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const auth = () => ({ authorization: `Bearer ${mint(key, { scope: "crm:customers:read crm:deals:read" })}` });

describe("gateway forwarding (startLocalEdge; its upstream hop over undici)", () => {
  it("forwards the MCP headers and the declared ones only, with Forwarded and X-Forwarded-For from what the edge saw", async () => {
    route = (_q, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"jsonrpc":"2.0","id":1,"result":{}}');
    const r = await send(
      {
        ...auth(),
        "mcp-session-id": "s-1",
        "mcp-protocol-version": "2025-11-25",
        "x-trace-id": "t-1",
        "x-api-key": "k",
        "x-real-ip": "203.0.113.9",
        forwarded: "for=203.0.113.9",
        "x-forwarded-for": "203.0.113.9",
        cookie: "a=1",
        "mcp-edge-assertion": "forged",
      },
      JSON.stringify(call("list_customers")),
    );
    expect(r.status).toBe(200);
    const h = seen.at(-1)!.headers;
    expect(h).toMatchObject({ "mcp-session-id": "s-1", "mcp-protocol-version": "2025-11-25", "x-trace-id": "t-1", "x-forwarded-for": "127.0.0.1", "content-type": "application/json" });
    expect(h.forwarded).toMatch(/^for=127\.0\.0\.1;host="127\.0\.0\.1:\d+";proto=http$/);
    for (const name of ["authorization", "x-api-key", "x-real-ip", "cookie"]) expect(h[name]).toBeUndefined();
    expect(h["mcp-edge-assertion"]).not.toBe("forged");
  });

  it("strips headers the client names in Connection, even declared ones", async () => {
    await send({ ...auth(), connection: "keep-alive, x-hop", "x-hop": "1", "x-trace-id": "t-2" }, JSON.stringify(call("list_customers")));
    const h = seen.at(-1)!.headers;
    expect(h["x-hop"]).toBeUndefined();
    expect(h["x-trace-id"]).toBe("t-2");
  });

  it("strips hop-by-hop response headers, including those the upstream names in Connection", async () => {
    route = (_q, res) => {
      res.setHeader("connection", "keep-alive, x-internal-hop");
      res.setHeader("keep-alive", "timeout=5");
      res.writeHead(200, { "content-type": "application/json", "x-internal-hop": "secret", "x-kept": "yes" }).end("{}");
    };
    const r = await send(auth(), JSON.stringify(call("list_customers")));
    expect(r.headers["x-kept"]).toBe("yes");
    expect(r.headers["x-internal-hop"]).toBeUndefined();
  });

  it("answers an upstream 401 or 403 with a generic 502 and never relays the upstream challenge", async () => {
    for (const status of [401, 403]) {
      route = (_q, res) => res.writeHead(status, { "www-authenticate": 'Bearer realm="upstream", error="invalid_token"', "content-type": "application/json" }).end('{"detail":"edge key kid-7 unknown"}');
      const r = await send(auth(), JSON.stringify(call("list_customers")));
      expect(r.status).toBe(502);
      expect(r.headers["www-authenticate"]).toBeUndefined();
      expect(JSON.parse(r.text)).toEqual({ error: "bad_gateway" });
    }
  });

  it("keeps an upstream 5xx status but replaces its body with a generic one", async () => {
    route = (_q, res) => res.writeHead(500, { "content-type": "text/plain" }).end("TypeError: at /srv/app/db.js:42 password=hunter2");
    const r = await send(auth(), JSON.stringify(call("list_customers")));
    expect(r.status).toBe(500);
    expect(r.text).not.toContain("hunter2");
    expect(JSON.parse(r.text)).toEqual({ error: "upstream_error" });
  });

  it("sends an identity assertion naming the request: method, tool, body hash and only the scopes it used", async () => {
    route = (_q, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}");
    const body = JSON.stringify(call("list_customers", { q: "acme" }));
    await send(auth(), body);
    const got = seen.at(-1)!;
    const jwks = (await (await fetch(`${edge.url}/.well-known/mcp-edge-jwks.json`)).json()) as { keys: [] };
    const assertion = got.headers["mcp-edge-assertion"] as string;
    expect(decodeProtectedHeader(assertion).alg).toBe("EdDSA");
    const { payload } = await jwtVerify(assertion, createLocalJWKSet(jwks), { audience: upstreamUrl, issuer: "https://mcp.example.com/crm", currentDate: new Date(NOW_MS) });
    expect(payload).toMatchObject({ htm: "POST", mcp_method: "tools/call", mcp_name: "list_customers", scope: "crm:customers:read", sub: "alice" });
    expect(payload.body_sha256).toBe(createHash("sha256").update(got.body).digest("base64url"));
    expect(got.body).toBe(body);
  });
});

describe("verifying the assertion upstream", () => {
  it("accepts the assertion for the request it names and refuses it for any other body, call or method", async () => {
    route = (_q, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}");
    const body = JSON.stringify(call("list_customers", { q: "acme" }));
    await send(auth(), body);
    const got = seen.at(-1)!;
    const jwks = createLocalJWKSet((await (await fetch(`${edge.url}/.well-known/mcp-edge-jwks.json`)).json()) as { keys: [] });
    const check = { key: jwks, issuer: "https://mcp.example.com/crm", audience: upstreamUrl, method: "POST", currentDate: new Date(NOW_MS) };
    const assertion = got.headers["mcp-edge-assertion"] as string;
    await expect(verifyEdgeAssertion(assertion, { ...check, body: got.body })).resolves.toMatchObject({ mcp_name: "list_customers" });
    await expect(verifyEdgeAssertion(assertion, { ...check, body: JSON.stringify(call("delete_customer", { id: "c1" })) })).rejects.toThrow(/another body/);
    await expect(verifyEdgeAssertion(assertion, { ...check, method: "DELETE", body: got.body })).rejects.toThrow(/another HTTP method/);
    await expect(verifyEdgeAssertion(assertion, { ...check, audience: "http://other/mcp", body: got.body })).rejects.toThrow(/invalid edge assertion/);
    await expect(verifyEdgeAssertion(undefined, { ...check, body: got.body })).rejects.toThrow(/no Mcp-Edge-Assertion/);
  });

  it("accepts the assertion of a completion/complete request, whose target is the reference it completes, and of a batch holding a client response", async () => {
    route = (_q, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}");
    const jwks = createLocalJWKSet((await (await fetch(`${edge.url}/.well-known/mcp-edge-jwks.json`)).json()) as { keys: [] });
    const check = { key: jwks, issuer: "https://mcp.example.com/crm", audience: upstreamUrl, method: "POST", currentDate: new Date(NOW_MS) };
    const completion = JSON.stringify({ jsonrpc: "2.0", id: 3, method: "completion/complete", params: { ref: { type: "ref/resource", uri: "crm://customers" }, argument: { name: "q", value: "ac" } } });
    const batch = JSON.stringify([{ jsonrpc: "2.0", id: 9, result: {} }, call("list_customers", { q: "acme" })]);
    for (const body of [completion, batch]) {
      const r = await send(auth(), body);
      expect(r.status).toBe(200);
      const got = seen.at(-1)!;
      expect(got.body).toBe(body);
      await expect(verifyEdgeAssertion(got.headers["mcp-edge-assertion"] as string, { ...check, body: got.body })).resolves.toMatchObject({ htm: "POST" });
    }
  });
});

describe("gateway streaming", () => {
  it("delivers the first SSE event while the upstream stream is still open", async () => {
    let finish: () => void = () => undefined;
    route = (_q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('data: {"n":1}\n\n');
      finish = () => res.end('data: {"n":2}\n\n');
    };
    const res = await fetch(`${edge.url}/crm`, { method: "POST", headers: { ...auth(), "content-type": "application/json" }, body: JSON.stringify(call("list_customers")) });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('{"n":1}');
    finish();
    await reader.cancel();
  });

  it("respects back-pressure: a client that does not read stops the upstream from writing", async () => {
    const chunk = Buffer.alloc(64 * 1024, 97);
    let written = 0;
    let blocked = false;
    let stop = false;
    route = (_q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const pump = () => {
        while (!stop) {
          written += chunk.length;
          if (!res.write(chunk)) {
            blocked = true;
            res.once("drain", pump);
            return;
          }
        }
      };
      pump();
    };
    const u = new URL(edge.url);
    const clientReq = httpRequest({ host: u.hostname, port: u.port, path: "/crm", method: "POST", headers: { ...auth(), "content-type": "application/json" } }, (res) => res.pause());
    clientReq.on("error", () => undefined);
    clientReq.end(JSON.stringify(call("list_customers")));
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    expect(blocked).toBe(true);
    // Without back-pressure a loopback upstream would push gigabytes in 1.5 s; socket buffers hold a few MB.
    expect(written).toBeLessThan(64 * 1024 * 1024);
    clientReq.destroy();
  });

  it("cancels the upstream request when the client goes away", async () => {
    route = (_q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: {}\n\n");
    };
    const before = closed.length;
    const ac = new AbortController();
    const res = await fetch(`${edge.url}/crm?cancel=1`, { method: "POST", signal: ac.signal, headers: { ...auth(), "content-type": "application/json" }, body: JSON.stringify(call("list_customers")) });
    await res.body!.getReader().read();
    ac.abort();
    const deadline = Date.now() + 3000;
    while (!closed.slice(before).includes("/mcp?cancel=1") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(closed.slice(before)).toContain("/mcp?cancel=1");
  });
});

describe("Lambda response streaming with the node forwarder", () => {
  it("pipes the first SSE event into the response stream before the upstream ends, and cancels the upstream when the stream closes", async () => {
    const { functionUrlHandler } = await import("../../lambda/adapters/aws.js");
    const { PassThrough } = await import("node:stream");
    route = (_q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('data: {"n":1}\n\n');
    };
    const e = createEdge([crmConfig([key], { upstream: upstreamUrl })], { now: () => NOW_MS, audit: () => undefined, log: () => undefined });
    let prelude: { statusCode: number; headers: Record<string, string> } | undefined;
    const aws = { streamifyResponse: (fn: unknown) => fn, HttpResponseStream: { from: (st: NodeJS.WritableStream, p: typeof prelude) => ((prelude = p), st) } };
    const h = functionUrlHandler(e, aws as never) as (ev: unknown, st: NodeJS.WritableStream) => Promise<void>;
    const out = new PassThrough();
    const ev = { rawPath: "/crm", rawQueryString: "lambda=1", headers: { host: "mcp.example.com", "content-type": "application/json", ...auth() }, body: JSON.stringify(call("list_customers")), isBase64Encoded: false, requestContext: { domainName: "mcp.example.com", http: { method: "POST", sourceIp: "192.0.2.7" } } };
    const before = closed.length;
    const done = h(ev, out);
    const first = await new Promise<string>((r) => out.once("data", (c: Buffer) => r(c.toString())));
    expect(prelude?.statusCode).toBe(200);
    expect(first).toContain('{"n":1}');
    out.destroy();
    await done;
    const deadline = Date.now() + 3000;
    while (!closed.slice(before).includes("/mcp?lambda=1") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(closed.slice(before)).toContain("/mcp?lambda=1");
  });
});

describe("bounded request bodies", () => {
  it("answers 413 to a chunked body far larger than the limit without reading it (node:http adapter)", async () => {
    const u = new URL(edge.url);
    const chunk = Buffer.alloc(256 * 1024, 32);
    const rssBefore = process.memoryUsage().rss;
    let sent = 0;
    const status = await new Promise<number>((resolve) => {
      const req = httpRequest({ host: u.hostname, port: u.port, path: "/crm", method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", () => resolve(-1));
      const pump = () => {
        // Up to 256 MB, as long as the edge keeps taking it.
        while (sent < 256 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    // The edge stopped taking bytes at the limit: only socket buffers' worth went out, and memory stayed flat.
    expect(sent).toBeLessThan(32 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(48 * 1024 * 1024);
  });

  it("stops pulling a Fetch request body at the limit even when Content-Length understates it", async () => {
    const e = createEdge([crmConfig([key])], { now: () => NOW_MS, audit: () => undefined, log: () => undefined, fetch: () => Promise.reject(new Error("no upstream")) });
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024).fill(32);
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled += chunk.length;
        if (pulled > 64 * 1024 * 1024) c.close();
        else c.enqueue(chunk);
      },
    });
    const res = await e.handle(new Request("https://mcp.example.com/crm", { method: "POST", headers: { "content-type": "application/json", "content-length": "10" }, body, duplex: "half" } as RequestInit));
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(MAX_BODY_BYTES + 4 * chunk.length);
  });

  it("answers 413 to an AWS event body over the limit", async () => {
    const { httpApiHandler } = await import("../../lambda/adapters/aws.js");
    const e = createEdge([crmConfig([key])], { now: () => NOW_MS, audit: () => undefined, log: () => undefined });
    const r = await httpApiHandler(e)({ rawPath: "/crm", rawQueryString: "", headers: { host: "mcp.example.com" }, body: " ".repeat(MAX_BODY_BYTES + 1), isBase64Encoded: false, requestContext: { http: { method: "POST", sourceIp: "192.0.2.1" } } });
    expect(r.statusCode).toBe(413);
  });
});

describe("assertion key and forwarded-header config", () => {
  it("signs ES256 with a P-256 KeyObject and gives every instance holding the key the same kid", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const a = createEdge([crmConfig([key])], { assertionKey: privateKey, audit: () => undefined });
    const b = createEdge([crmConfig([key])], { assertionKey: privateKey, audit: () => undefined });
    expect(a.assertionJwks.keys[0]).toMatchObject({ alg: "ES256", kty: "EC" });
    expect(a.assertionJwks.keys[0]!.kid).toBe(b.assertionJwks.keys[0]!.kid);
    const c = createEdge([crmConfig([key])], { assertionKey: privateKey, assertionKeyId: "edge-2026-12", audit: () => undefined });
    expect(c.assertionJwks.keys[0]!.kid).toBe("edge-2026-12");
  });

  it("refuses a forwardHeaders entry that would forward a credential or a hop-by-hop field", () => {
    for (const bad of ["authorization", "cookie", "connection", "x-forwarded-for", "Mcp-Edge-Assertion"]) {
      expect(() => parseEdgeConfig({ ...crmConfig([key]), forwardHeaders: [bad] })).toThrow(/forwardHeaders\.0: must be a lowercase header name/);
    }
    expect(parseEdgeConfig({ ...crmConfig([key]), forwardHeaders: ["x-trace-id"] }).forwardHeaders).toEqual(["x-trace-id"]);
  });

  it("refuses every x-forwarded-* name in forwardHeaders, not only the ones the edge sets itself", () => {
    for (const bad of ["x-forwarded-port", "x-forwarded-prefix", "x-forwarded-server"]) {
      expect(() => parseEdgeConfig({ ...crmConfig([key]), forwardHeaders: [bad] })).toThrow(/forwardHeaders\.0: must be a lowercase header name/);
    }
  });
});
