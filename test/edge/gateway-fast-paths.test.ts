import { generateKeyPairSync } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { ClientGone, NodeEdgeRequest, writeEdgeResponse } from "../../lambda/adapters/local.js";
import { LineBatcher } from "../../lambda/adapters/line-batcher.js";
import { assertionClaims, createAssertionSigner, payloadJson, type AssertionFacts } from "../../lambda/core/assertion.js";
import { connectionNamed } from "../../lambda/core/forward.js";
import { StreamResponse } from "../../lambda/core/http.js";
import { bodyHash } from "../../lambda/core/assertion.js";

/**
 * The gateway's hand-written hot paths against the straightforward code (or the node built-in)
 * they replace: the same bytes and answers on generated inputs.
 */

/** Deterministic generator (a fixed LCG), so a failure reproduces. */
function rng(seed: number) {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)]!;
  return { next, pick };
}

/** The claims as they were built before (object spreads), the reference for `assertionClaims`. */
function referenceClaims(f: AssertionFacts): Record<string, unknown> {
  const p = f.principal;
  const first = f.calls[0];
  return {
    iss: f.issuer,
    aud: f.audience,
    sub: p.sub,
    client_id: p.clientId,
    ...(p.agent ? { act: { sub: p.agent } } : {}),
    ...(p.tenant ? { tenant: p.tenant } : {}),
    ...(f.scopes.length > 0 ? { scope: f.scopes.join(" ") } : {}),
    mcp_server: f.server,
    htm: f.httpMethod,
    ...(first ? { mcp_method: first.method } : {}),
    ...(first?.name !== undefined ? { mcp_name: first.name } : {}),
    ...(f.calls.length > 1 ? { mcp_calls: f.calls.map((c) => (c.name === undefined ? { method: c.method } : { method: c.method, name: c.name })) } : {}),
    ...(f.body !== undefined ? { body_sha256: bodyHash(f.body) } : {}),
  };
}

function genFacts(r: ReturnType<typeof rng>): AssertionFacts {
  const str = () => r.pick([undefined, "", "alice", 'q"uote', "back\\slash", "é😀", "\u0000ctl", "</script>", "a b"]);
  const calls = Array.from({ length: Math.floor(r.next() * 4) }, () => ({ method: r.pick(["tools/call", "resources/read", "initialize", 'we"ird']), name: str() }));
  return {
    issuer: "https://mcp.example.com/crm",
    audience: r.pick(["http://127.0.0.1/mcp", "https://up.example.com/x?y"]),
    server: r.pick(["crm", "crm-admin"]),
    principal: { sub: str(), clientId: str(), agent: str(), tenant: str() },
    httpMethod: r.pick(["POST", "GET", "DELETE"]),
    calls,
    body: r.pick([undefined, "", '{"jsonrpc":"2.0"}', "é"]),
    scopes: r.pick([[], ["crm:customers:read"], ["a:b:c", "d:e:f"]]),
  };
}

describe("assertion claims and payload serialisation", () => {
  it("builds the same claims, member for member and in the same order, as the spread-based reference", () => {
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const f = genFacts(r);
      expect(JSON.stringify(assertionClaims(f))).toBe(JSON.stringify(referenceClaims(f)));
    }
  });

  it("serialises { ...claims, iat, exp, jti } byte for byte as JSON.stringify does, including claims that name iat, exp or jti", () => {
    const r = rng(11);
    const extra = [{}, { iat: 1 }, { exp: "x", a: 1 }, { jti: null }, { a: undefined }, { a: undefined, b: 2 }, { "": 0 }, { __proto__: null, z: [1, { y: 2 }] }, { toJSON: () => "x" }];
    for (let i = 0; i < 2000; i++) {
      const claims = { ...(r.next() < 0.7 ? referenceClaims(genFacts(r)) : {}), ...r.pick(extra) } as Record<string, unknown>;
      const iat = r.pick([0, 1_800_000_000, -1, 1.5, Number.NaN]);
      const exp = iat + 60;
      const jti = r.pick(["3b0f0e4e-7d1a-4c1e-9a55-0c8e9b0c1d2e", 'q"', ""]);
      expect(payloadJson(claims, iat, exp, jti)).toBe(JSON.stringify({ ...claims, iat, exp, jti }));
    }
  });

  it("signs a JWS that verifies and carries the reference claims", async () => {
    const key = generateKeyPairSync("ed25519").privateKey;
    const s = createAssertionSigner(key);
    const jwks = createLocalJWKSet(s.jwks as Parameters<typeof createLocalJWKSet>[0]);
    const r = rng(3);
    for (let i = 0; i < 50; i++) {
      const f = genFacts(r);
      const { payload } = await jwtVerify(s.sign(assertionClaims(f), 1_800_000_000, 60), jwks, { currentDate: new Date(1_800_000_000_000) });
      const { jti, ...rest } = payload;
      expect(typeof jti).toBe("string");
      expect(rest).toEqual(JSON.parse(JSON.stringify({ ...referenceClaims(f), iat: 1_800_000_000, exp: 1_800_000_060 })));
    }
  });
});

describe("Connection field parsing", () => {
  const reference = (v: string | null | undefined) => (v ? new Set(v.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean)) : undefined);
  const hopByHop = new Set(["keep-alive", "close"]);
  it("names the same forwardable fields as the generic split", () => {
    const r = rng(5);
    const tokens = ["keep-alive", "Keep-Alive", "close", "CLOSE", "x-trace-id", "X-Hop", "upgrade", " ", "", "te"];
    for (let i = 0; i < 3000; i++) {
      const v = Array.from({ length: Math.floor(r.next() * 4) }, () => r.pick(tokens)).join(r.pick([",", ", ", " ,"]));
      const got = connectionNamed(v);
      const want = reference(v);
      // The shortcut may skip the set when every named field is hop-by-hop (never forwarded anyway).
      const strip = (s: ReadonlySet<string> | undefined) => [...(s ?? [])].filter((t) => !hopByHop.has(t)).sort();
      expect(strip(got)).toEqual(strip(want));
    }
  });
});

describe("ClientGone (the node adapter's abort signal)", () => {
  it("behaves as an AbortSignal for the forwarders: aborted, reason, listeners called once, none after abort", () => {
    const g = new ClientGone();
    const ac = new AbortController();
    const calls: string[] = [];
    for (const [name, s] of [["gone", g.signal], ["ac", ac.signal]] as const) {
      expect(s.aborted).toBe(false);
      const fn = () => calls.push(name);
      s.addEventListener("abort", fn, { once: true });
      s.addEventListener("abort", () => calls.push(`${name}-removed`));
      s.removeEventListener("abort", fn);
      s.addEventListener("abort", fn, { once: true });
    }
    g.abort(new Error("client went away"));
    ac.abort(new Error("client went away"));
    g.abort();
    expect(g.signal.aborted).toBe(true);
    expect((g.signal.reason as Error).message).toBe("client went away");
    expect(() => g.signal.throwIfAborted()).toThrow("client went away");
    expect(calls.filter((c) => c.startsWith("gone")).sort()).toEqual(calls.filter((c) => c.startsWith("ac")).map((c) => c.replace("ac", "gone")).sort());
  });

  it("is accepted by fetch as a signal", async () => {
    const server = createServer((_q, res) => res.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const g = new ClientGone();
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: g.signal });
    expect(await res.text()).toBe("ok");
    await new Promise<void>((r) => server.close(() => r()));
  });
});

/** Starts a node:http server that hands each request to `fn`, returns its port. */
async function serve(fn: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer(fn);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    import("node:net").then(({ connect }) => {
      const s = connect({ port, host: "127.0.0.1" }, () => s.write(head));
      let out = "";
      s.on("data", (c) => (out += c.toString("latin1")));
      s.on("end", () => resolve(out));
      s.on("error", reject);
    }, reject);
  });
}

describe("NodeEdgeRequest (headers from the raw pairs, no IncomingMessage.headers)", () => {
  it("gives every field node's parser gives, repeated ones joined with ', ', and the URL from the first Host", async () => {
    const got: Array<{ mine: Record<string, string>; node: IncomingMessage["headers"]; url: string }> = [];
    const srv = await serve((req, res) => {
      const r = new NodeEdgeRequest(req, undefined, undefined, "fallback:1");
      const mine: Record<string, string> = {};
      r.headers.forEach((v, k) => (mine[k] = v));
      got.push({ mine, node: req.headers, url: r.url });
      res.end();
    });
    const heads = [
      "GET /crm?x=1 HTTP/1.1\r\nHost: mcp.example.com\r\nAccept: a\r\naccept: b\r\nX-Trace-Id: t\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\nConnection: close\r\n\r\n",
      "GET /crm HTTP/1.1\r\nHost: one.example\r\nHost: two.example\r\nConnection: close\r\n\r\n",
      "GET //evil.example/x HTTP/1.1\r\nHost: mcp.example.com:8443\r\nConnection: close\r\n\r\n",
      "GET /crm HTTP/1.0\r\n\r\n",
    ];
    for (const h of heads) await rawRequest(srv.port, h);
    await srv.close();
    // Repeated Authorization is kept joined (node's own map would drop the second).
    expect(got[0]!.mine.authorization).toBe("Bearer a, Bearer b");
    expect(got[0]!.mine.accept).toBe(got[0]!.node.accept);
    expect(got[0]!.mine["x-trace-id"]).toBe(got[0]!.node["x-trace-id"]);
    expect(got[0]!.url).toBe("http://mcp.example.com/crm?x=1");
    expect(got[1]!.url).toBe(`http://${got[1]!.node.host}/crm`);
    expect(got[2]!.url).toBe(new URL("//evil.example/x", "http://mcp.example.com:8443").href);
    expect(got[3]!.url).toBe("http://fallback:1/crm");
  });
});

describe("writeEdgeResponse (one end() for a body that arrived whole, chunk by chunk otherwise)", () => {
  it("sends the same status, headers and body bytes either way, as node's pipe would", async () => {
    const bodies = ["", "{}", "x".repeat(200_000), "é😀\r\n0\r\n\r\n"];
    for (const text of bodies) {
      for (const slow of [false, true]) {
        const up = await serve((_q, res) => {
          res.writeHead(200, [["content-type", "application/json"], ["set-cookie", "a=1"], ["set-cookie", "b=2"]] as unknown as Record<string, string>);
          if (!slow) return void res.end(text);
          res.write(text.slice(0, 1));
          setTimeout(() => res.end(text.slice(1)), 20);
        });
        const edge = await serve((_q, res) => {
          const req = httpRequest({ host: "127.0.0.1", port: up.port, path: "/" }, (ur) => {
            const pairs: Array<[string, string]> = [];
            for (let i = 0; i < ur.rawHeaders.length; i += 2) pairs.push([ur.rawHeaders[i]!.toLowerCase(), ur.rawHeaders[i + 1]!]);
            const keep = pairs.filter(([k]) => k === "content-type" || k === "set-cookie" || k === "content-length");
            setImmediate(() => void writeEdgeResponse(res, new StreamResponse(ur.statusCode!, keep, ur, () => ur.destroy())));
          });
          req.end();
        });
        const res = await fetch(`http://127.0.0.1:${edge.port}/`);
        expect(res.status).toBe(200);
        expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
        expect(await res.text()).toBe(text);
        await edge.close();
        await up.close();
      }
    }
  });
});

describe("LineBatcher (audit lines of one event-loop turn in one write)", () => {
  it("writes every line, in order, once per turn, and at once on close", async () => {
    const { mkdtempSync, openSync, readFileSync, closeSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const file = join(mkdtempSync(join(tmpdir(), "lb-")), "out.jsonl");
    const fd = openSync(file, "w");
    const b = new LineBatcher(fd as 1, 256);
    for (let i = 0; i < 10; i++) b.push(`{"n":${i}}`);
    expect(readFileSync(file, "utf8")).toBe(""); // not yet: end of the turn
    await new Promise((r) => setImmediate(r));
    expect(readFileSync(file, "utf8").split("\n").filter(Boolean)).toHaveLength(10);
    for (let i = 10; i < 60; i++) b.push(`{"n":${i}}`); // passes maxBytes: written at once, in order
    expect(readFileSync(file, "utf8").length).toBeGreaterThan(256);
    b.push('{"n":60}');
    b.close();
    b.push('{"n":61}'); // after close: written at once
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).n);
    expect(lines).toEqual(Array.from({ length: 62 }, (_, i) => i));
    closeSync(fd);
  });
});
