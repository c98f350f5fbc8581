import { describe, expect, it } from "vitest";
import { bearer, call, crmConfig, harness, mint, NOW_MS, post, rsaKey } from "./helpers.js";

function jwksServer(initial: Array<Record<string, unknown>>) {
  const state = { keys: initial, calls: 0, down: false };
  const f = (async (input: RequestInfo | URL) => {
    state.calls++;
    if (state.down) throw new TypeError("fetch failed: ECONNREFUSED");
    void input;
    return new Response(JSON.stringify({ keys: state.keys }), { headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  return { state, f };
}

describe("JWKS handling", () => {
  it("decides the first request from the snapshot without any network call", async () => {
    const k = rsaKey();
    const srv = jwksServer([]);
    const { edge } = harness([crmConfig([k])], { fetch: srv.f });
    expect((await edge.authorize(post(call("list_customers"), bearer(mint(k))))).allow).toBe(true);
    expect(srv.state.calls).toBe(0);
  });

  it("picks up a rotated key with one refetch on an unknown kid, without a redeploy", async () => {
    const old = rsaKey("k-old");
    const next = rsaKey("k-new");
    const srv = jwksServer([old.jwk, next.jwk]);
    const { edge } = harness([crmConfig([old], { upstream: undefined })], { fetch: srv.f });
    const d = await edge.authorize(post(call("list_customers"), bearer(mint(next))));
    expect(d.allow).toBe(true);
    expect(srv.state.calls).toBe(1);
  });

  it("rate-limits refetches triggered by unknown kids to one per cooldown", async () => {
    const k = rsaKey("k1");
    const srv = jwksServer([k.jwk]);
    const clock = { ms: NOW_MS };
    const { edge } = harness([crmConfig([k])], { fetch: srv.f, clock });
    for (let i = 0; i < 5; i++) {
      const d = await edge.authorize(post(call("list_customers"), bearer(mint(k, {}, { kid: `rnd-${i}` }))));
      expect(d.allow).toBe(false);
    }
    expect(srv.state.calls).toBe(1);
    clock.ms += 31_000;
    await edge.authorize(post(call("list_customers"), bearer(mint(k, {}, { kid: "rnd-x" }))));
    expect(srv.state.calls).toBe(2);
  });

  it("fails closed with 503 when the issuer is unreachable and the key is unknown", async () => {
    const k = rsaKey("k1");
    const srv = jwksServer([]);
    srv.state.down = true;
    const { edge, logs } = harness([crmConfig([], { jwks: undefined })], { fetch: srv.f });
    const res = await edge.handle(post(call("list_customers"), bearer(mint(k))));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(logs.some((l) => l.reason === "jwks_unavailable")).toBe(true);
  });

  it("skips symmetric and encryption keys in a JWKS", async () => {
    const k = rsaKey("k1");
    const { importVerifyKey } = await import("../../lambda/core/keys.js");
    const allowed = new Set(["RS256", "ES256"] as const);
    expect(importVerifyKey({ kty: "oct", k: "c2VjcmV0", kid: "h" }, allowed)).toMatch(/unsupported/);
    expect(importVerifyKey({ ...k.jwk, use: "enc" }, allowed)).toMatch(/use/);
    expect(importVerifyKey({ ...k.jwk, alg: "RS512" }, allowed)).toMatch(/no allowed algorithm/);
    const ok = importVerifyKey(k.jwk, allowed);
    expect(typeof ok === "object" && [...ok.algs]).toEqual(["RS256"]);
  });
});

describe("verified-token cache", () => {
  it("skips only signature work: an expired cached token is still refused", async () => {
    const k = rsaKey();
    const clock = { ms: NOW_MS };
    const { edge, logs } = harness([crmConfig([k])], { clock });
    const t = mint(k, { exp: NOW_MS / 1000 + 50 });
    expect((await edge.authorize(post(call("list_customers"), bearer(t)))).allow).toBe(true);
    clock.ms += 90_000; // past exp + 30 s leeway
    expect((await edge.authorize(post(call("list_customers"), bearer(t)))).allow).toBe(false);
    expect(logs.at(-1)?.reason).toBe("expired");
  });

  it("bounds entries (LRU) and their life to min(exp, ttl)", async () => {
    const { TokenCache } = await import("../../lambda/core/cache.js");
    const c = new TokenCache<number>(2, 1000);
    c.set("a", 1, 0, 10_000);
    c.set("b", 2, 0, 10_000);
    expect(c.get("a", 1)).toBe(1); // a is now most recent
    c.set("c", 3, 1, 10_000);
    expect(c.get("b", 2)).toBeUndefined();
    expect(c.get("a", 2)).toBe(1);
    expect(c.get("a", 1001)).toBeUndefined(); // ttl
    c.set("d", 4, 0, 500);
    expect(c.get("d", 499)).toBe(4);
    expect(c.get("d", 500)).toBeUndefined(); // exp
  });

  it("keys entries by a hash, never the token", async () => {
    const { TokenCache } = await import("../../lambda/core/cache.js");
    const t = mint(rsaKey());
    expect(TokenCache.keyOf(t)).toMatch(/^[\w-]{43}$/);
    expect(TokenCache.keyOf(t)).not.toContain(t.slice(0, 10));
  });
});

describe("JWKS freshness", () => {
  it("refreshes stale keys in the background so a key removed from the JWKS stops working", async () => {
    const a = rsaKey("k-a");
    const b = rsaKey("k-b");
    const srv = jwksServer([b.jwk]); // the IdP has dropped k-a
    const clock = { ms: NOW_MS };
    const { edge } = harness([crmConfig([a, b])], { fetch: srv.f, clock });
    expect((await edge.authorize(post(call("list_customers"), bearer(mint(a))))).allow).toBe(true);
    expect(srv.state.calls).toBe(0);
    clock.ms += 11 * 60_000; // past the 10-minute key age
    // Tokens minted "now" relative to the moved clock.
    const t = mint(a, { iat: clock.ms / 1000 - 10, exp: clock.ms / 1000 + 600 });
    await edge.authorize(post(call("list_customers"), bearer(t))); // triggers the background refresh
    await new Promise((r) => setTimeout(r, 10));
    expect(srv.state.calls).toBe(1);
    expect((await edge.authorize(post(call("list_customers"), bearer(mint(a, { iat: clock.ms / 1000 - 10, exp: clock.ms / 1000 + 600, jti: "other" }))))).allow).toBe(false);
    expect((await edge.authorize(post(call("list_customers"), bearer(mint(b, { iat: clock.ms / 1000 - 10, exp: clock.ms / 1000 + 600 }))))).allow).toBe(true);
  });
});

describe("JWKS fetch", () => {
  const url = "https://idp.example.com/jwks";
  const answer = (status: number, body: string, headers: Record<string, string> = {}) => (async () => new Response(body, { status, headers })) as unknown as typeof fetch;

  it("asks once with GET, no redirect following and a timeout signal, and returns the keys", async () => {
    const { fetchJwks } = await import("../../lambda/core/keys.js");
    const seen: RequestInit[] = [];
    const k = rsaKey("k1");
    const f = (async (_u: RequestInfo | URL, init?: RequestInit) => {
      seen.push(init!);
      return new Response(JSON.stringify({ keys: [k.jwk] }), { headers: { "content-type": "application/jwk-set+json" } });
    }) as typeof fetch;
    expect(await fetchJwks(url, f, 3000)).toEqual([k.jwk]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "GET", redirect: "manual" });
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
  });

  it("refuses a redirect, any status but 200, a body that is not JSON and JSON that is not a key set", async () => {
    const { fetchJwks, JwksFetchError } = await import("../../lambda/core/keys.js");
    for (const f of [
      answer(302, "", { location: "https://attacker.example/jwks" }),
      answer(404, "not found"),
      answer(500, JSON.stringify({ keys: [] })),
      answer(200, "<html>"),
      answer(200, JSON.stringify([{ kty: "RSA" }])),
      answer(200, JSON.stringify({ keys: {} })),
      answer(200, JSON.stringify({ keys: [null] })),
      answer(200, JSON.stringify({ keys: [[1]] })),
      answer(200, "null"),
    ]) {
      await expect(fetchJwks(url, f, 3000)).rejects.toBeInstanceOf(JwksFetchError);
    }
  });

  it("gives up when the issuer does not answer in time", async () => {
    const { fetchJwks, JwksFetchError } = await import("../../lambda/core/keys.js");
    const hang = ((_u: RequestInfo | URL, init?: RequestInit) =>
      new Promise((_, reject) => init!.signal!.addEventListener("abort", () => reject(init!.signal!.reason)))) as typeof fetch;
    const t0 = Date.now();
    await expect(fetchJwks(url, hang, 50)).rejects.toThrow(JwksFetchError);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("fails closed (503) on a JWKS answer that is not a key set, and reports it", async () => {
    const k = rsaKey("k1");
    const { edge, logs } = harness([crmConfig([], { jwks: undefined })], { fetch: answer(200, JSON.stringify({ keys: "none" })) });
    const res = await edge.handle(post(call("list_customers"), bearer(mint(k))));
    expect(res.status).toBe(503);
    expect(logs.some((l) => l.reason === "jwks_unavailable" && String(l.detail).startsWith("JwksFetchError"))).toBe(true);
  });
});
