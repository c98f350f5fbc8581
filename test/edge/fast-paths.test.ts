import { describe, expect, it } from "vitest";
import { TokenCache } from "../../lambda/core/cache.js";
import { hasDuplicateKeys, hasDuplicateMembers } from "../../lambda/core/json.js";
import { b64, bearer, call, crmConfig, harness, mint, post, rsaKey } from "./helpers.js";

/**
 * The performance shortcuts of the decision path (issue 3) against the straightforward code they
 * replace: same answers on generated inputs, and no way to turn a shortcut into a bypass.
 */

/** Deterministic generator (a fixed LCG), so a failure reproduces. */
function rng(seed: number) {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)]!;
  return { next, pick };
}

/** JSON text with colliding names (raw, escaped, `__proto__`, numeric-like), strings holding `":`, and any whitespace. */
function genJson(r: ReturnType<typeof rng>, depth = 0): string {
  const names = ["a", "b", "\\u0061", "__proto__", "1", "01", 'a\\"', "a\\\\", "\\\\", "é", "\\ud83d\\ude00", "😀", "x y", "constructor", ""];
  const ws = () => r.pick(["", " ", "\n", "\t ", "\r\n"]);
  const x = r.next();
  if (depth > 4 || x < 0.3) return r.pick(['"s"', '"a\\\\"', '"q\\"x"', "1", "-0", "true", "null", '"\\u0000:"', '":"', '"\\\\\\""', '"{\\"a\\":1}"']);
  const n = Math.floor(r.next() * 5);
  if (x < 0.5) return `[${Array.from({ length: n }, () => ws() + genJson(r, depth + 1) + ws()).join(",")}]`;
  return `{${Array.from({ length: n }, () => `${ws()}"${r.pick(names)}"${ws()}:${ws()}${genJson(r, depth + 1)}${ws()}`).join(",")}}`;
}

describe("duplicate member detection", () => {
  it("finds exactly the duplicates the reference scanner finds over 20,000 generated JSON texts", () => {
    const r = rng(7);
    let checked = 0;
    let duplicates = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = genJson(r);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        continue;
      }
      const expected = hasDuplicateKeys(text);
      expect(hasDuplicateMembers(text, value), text).toBe(expected);
      checked++;
      if (expected) duplicates++;
    }
    // Both outcomes are well represented, so the comparison is not vacuous.
    expect(checked).toBeGreaterThan(15_000);
    expect(duplicates).toBeGreaterThan(2_000);
    expect(checked - duplicates).toBeGreaterThan(2_000);
  });

  it("treats an escaped spelling of a name as the same name", () => {
    const text = '{"scope":"a","\\u0073cope":"b"}';
    expect(hasDuplicateMembers(text, JSON.parse(text))).toBe(true);
  });

  it("walks 100,000 levels of nesting and large arrays without recursion", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(hasDuplicateMembers(deep, JSON.parse(deep))).toBe(false);
    const wide = JSON.stringify({ a: Array.from({ length: 100_000 }, (_, i) => ({ k: i })) });
    expect(hasDuplicateMembers(wide, JSON.parse(wide))).toBe(false);
  });
});

describe("verified-token cache keyed by the signature", () => {
  it("hits only when the signing input is byte-identical too", () => {
    const t = mint(rsaKey());
    const dot = t.lastIndexOf(".");
    const c = new TokenCache<string>(10, 60_000);
    const key = TokenCache.jwsKey(t);
    c.set(key, "facts", 0, 10_000, t.slice(0, dot));
    expect(c.get(key, 1, t.slice(0, dot))).toBe("facts");
    expect(c.get(key, 1, `${t.slice(0, dot)}x`)).toBeUndefined();
    expect(c.get(key, 1)).toBeUndefined();
    expect(key).toMatch(/^[\w-]{43}$/);
    expect(key).not.toContain(t.slice(dot + 1, dot + 11));
  });

  it("verifies a token that reuses a cached token's signature under another payload, and refuses it", async () => {
    const k = rsaKey();
    const { edge, logs } = harness([crmConfig([k])]);
    const good = mint(k);
    expect((await edge.authorize(post(call("list_customers"), bearer(good)))).allow).toBe(true);
    // Same header and signature, payload raised to an admin's scopes: must not be served from the cache.
    const [h, , sig] = good.split(".");
    const forged = `${h}.${b64(JSON.stringify({ ...JSON.parse(Buffer.from(good.split(".")[1]!, "base64url").toString()), scope: "crm:customers:read crm:customers:delete" }))}.${sig}`;
    const d = await edge.authorize(post(call("delete_customer"), bearer(forged)));
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.lite.status).toBe(401);
    expect(logs.at(-1)?.reason).toBe("signature_invalid");
    // The genuine token still hits.
    expect((await edge.authorize(post(call("list_customers"), bearer(good)))).allow).toBe(true);
  });

  it("still answers 400 for a malformed bearer value and 401 for a b64token that is not a compact JWS", async () => {
    const k = rsaKey();
    const { edge, logs } = harness([crmConfig([k])]);
    const bad = await edge.authorize(post(call("list_customers"), { authorization: "Bearer a.b.c, Bearer d.e.f" }));
    expect(!bad.allow && bad.lite.status).toBe(400);
    expect(logs.at(-1)?.reason).toBe("authorization_malformed");
    const notJws = await edge.authorize(post(call("list_customers"), bearer(`${mint(k)}~`)));
    expect(!notJws.allow && notJws.lite.status).toBe(401);
    expect(logs.at(-1)?.reason).toBe("token_malformed");
  });
});

describe("approximate LRU of the verified-token cache", () => {
  it("never evicts an entry hit within the last quarter of the capacity, and evicts the unused ones first", () => {
    const c = new TokenCache<number>(64, 60_000);
    for (let i = 0; i < 64; i++) c.set(`k${i}`, i, 0, 60_000);
    // `k0` is the oldest entry; hit it every 16 insertions (a quarter of 64) while 1,000 others stream in.
    for (let i = 0; i < 1000; i++) {
      if (i % 16 === 0) expect(c.get("k0", 1)).toBe(0);
      c.set(`n${i}`, i, 1, 60_000);
      expect(c.size).toBeLessThanOrEqual(64);
    }
    expect(c.get("k0", 2)).toBe(0);
    expect(c.get("k1", 2)).toBeUndefined(); // never hit: evicted long ago
    expect(c.get("n999", 2)).toBe(999);
  });

  it("is exact LRU for a cache of two entries", () => {
    const c = new TokenCache<number>(2, 60_000);
    c.set("a", 1, 0, 60_000);
    c.set("b", 2, 0, 60_000);
    c.get("a", 1);
    c.set("c", 3, 1, 60_000);
    expect([c.get("a", 2), c.get("b", 2), c.get("c", 2)]).toEqual([1, undefined, 3]);
  });
});

describe("scope facts remembered per scope string", () => {
  it("grants what each server's own implications say for the same scope string", async () => {
    const k = rsaKey();
    const base = crmConfig([k]);
    // A second server on another path whose `crm:customers:read` implies nothing, sharing one edge.
    const other = crmConfig([k], {
      server: "crm-other",
      resource: "https://mcp.example.com/other",
      audiences: ["https://mcp.example.com/other"],
      scopes: { ...base.scopes, "crm:customers:write": { ...base.scopes["crm:customers:write"]!, grants: [] } },
    });
    const { edge } = harness([base, other]);
    const scope = "crm:customers:write";
    const onCrm = await edge.authorize(post(call("list_customers"), bearer(mint(k, { scope, jti: "a" }))));
    const onOther = await edge.authorize(post(call("list_customers"), bearer(mint(k, { scope, jti: "b", aud: "https://mcp.example.com/other" })), "https://mcp.example.com/other"));
    expect(base.scopes["crm:customers:write"]!.grants).toContain("crm:customers:read");
    expect(onCrm.allow).toBe(true);
    expect(onOther.allow).toBe(false);
    // And the first server still answers from its own facts afterwards.
    expect((await edge.authorize(post(call("list_customers"), bearer(mint(k, { scope, jti: "c" }))))).allow).toBe(true);
  });

  it("hands callers a principal and scope list they cannot change", async () => {
    const k = rsaKey();
    const { edge, audit } = harness([crmConfig([k])]);
    const t = mint(k);
    const d = await edge.authorize(post(call("list_customers"), bearer(t)));
    if (!d.allow) throw new Error("expected allow");
    expect(Object.isFrozen(d.principal)).toBe(true);
    expect(() => (d.principal!.scopes as string[]).push("crm:customers:delete")).toThrow(TypeError);
    expect(() => ((d.principal as { sub: string | undefined }).sub = "mallory")).toThrow(TypeError);
    await edge.authorize(post(call("list_customers"), bearer(t)));
    expect(audit.at(-1)?.user).toBe("alice");
  });
});

describe("ISO timestamps without Date.prototype.toISOString", () => {
  it("writes exactly what toISOString writes for 100,000 instants from 1970 to 9999 and around year boundaries", async () => {
    const { isoTime } = await import("../../lambda/core/time.js");
    const r = rng(11);
    const max = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const edges = [0, 1, 999, 1000, 86_399_999, 951_782_400_000 /* 2000-02-29 */, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(1999, 11, 31, 23, 59, 59, 999), max, -1, -62_167_219_200_000 /* 0000-01-01 */];
    for (const ms of edges) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    for (let i = 0; i < 100_000; i++) {
      const ms = Math.floor(r.next() * max);
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it("defers to toISOString outside years 0000–9999 and throws like it for an invalid date", async () => {
    const { isoTime } = await import("../../lambda/core/time.js");
    const far = Date.UTC(10000, 0, 1);
    expect(isoTime(far)).toBe("+010000-01-01T00:00:00.000Z");
    expect(isoTime(-62_167_219_200_001)).toBe(new Date(-62_167_219_200_001).toISOString());
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});

describe("argument-value HMAC from padded-key states", () => {
  it("equals createHmac for 20,000 generated values and keys of 32 to 200 bytes", async () => {
    const { createHmac, randomBytes } = await import("node:crypto");
    const { ParamHasher } = await import("../../lambda/core/audit.js");
    const r = rng(11);
    // Code units from every UTF-8 length class, lone surrogates included (both sides encode them as U+FFFD).
    const units = ["a", "0", " ", '"', "\\", "\u0000", "\u007f", "é", "\u07ff", "\u0800", "€", "\uffff", "\ud83d\ude00", "\ud83d", "\ude00", "😀"];
    const keys = [32, 33, 63, 64, 65, 128, 200].map((n) => randomBytes(n));
    const hashers = keys.map((k) => new ParamHasher(k));
    const ref = (key: Buffer, text: string) => `hmac:${createHmac("sha256", key).update(text).digest("base64url").slice(0, 22)}`;
    for (let i = 0; i < 20_000; i++) {
      // Lengths around the preallocated room (341 code units always fit; longer ones take createHmac).
      const len = r.pick([0, 1, 2, 10, 64, 100, 340, 341, 342, 500, 1024, 1025, 3000]);
      let text = "";
      while (text.length < len) text += r.pick(units);
      const k = Math.floor(r.next() * keys.length);
      expect(hashers[k]!.digest(text)).toBe(ref(keys[k]!, text));
    }
  });

  it("equals createHmac for ASCII values of every length that fits and for values that turn non-ASCII at any position", async () => {
    const { createHmac, randomBytes } = await import("node:crypto");
    const { ParamHasher } = await import("../../lambda/core/audit.js");
    const r = rng(12);
    const key = randomBytes(32);
    const hasher = new ParamHasher(key);
    const ref = (text: string) => `hmac:${createHmac("sha256", key).update(text).digest("base64url").slice(0, 22)}`;
    const ascii = (len: number) => {
      let t = "";
      for (let i = 0; i < len; i++) t += String.fromCharCode(Math.floor(r.next() * 128));
      return t;
    };
    const cases: string[] = [];
    // ASCII is copied byte by byte: every length up to the room and a little past it (createHmac there).
    for (let len = 0; len <= 345; len++) cases.push(ascii(len));
    // A non-ASCII code unit after an ASCII prefix: the bytes copied so far are rewritten by Buffer.write.
    for (const tail of ["é", "€", "😀", "\ud83d", "\ude00x"]) for (let p = 0; p <= 80; p += 3) cases.push(ascii(p) + tail + ascii(Math.floor(r.next() * 20)));
    // Shuffled, so a short value often follows a longer one (views are reused per length).
    for (let i = cases.length - 1; i > 0; i--) {
      const j = Math.floor(r.next() * (i + 1));
      [cases[i], cases[j]] = [cases[j]!, cases[i]!];
    }
    for (const text of cases) expect(hasher.digest(text)).toBe(ref(text));
  });

  it("takes a string secret as UTF-8 and keeps refusing keys under 32 bytes", async () => {
    const { createHmac } = await import("node:crypto");
    const { ParamHasher } = await import("../../lambda/core/audit.js");
    const secret = "ключ-".repeat(8);
    expect(new ParamHasher(secret).digest("cus_4711")).toBe(`hmac:${createHmac("sha256", Buffer.from(secret, "utf8")).update("cus_4711").digest("base64url").slice(0, 22)}`);
    expect(() => new ParamHasher("x".repeat(31))).toThrow(/at least 32 bytes/);
  });
});

describe("audit lines written once per drain", () => {
  it("writes exactly the per-record sink's lines, newline-terminated, in one call per drain", async () => {
    const { AuditChain, ParamHasher, sanitizeParams } = await import("../../lambda/core/audit.js");
    const hasher = new ParamHasher("k".repeat(32), { deferred: true });
    const fields = (i: number) => ({ server: "crm", decision: "allow" as const, status: 200, reason: "ok", user: `u${i}`, method: "tools/call", tool: "list_customers", params: sanitizeParams({ q: `v${i}`, n: i }, hasher) });
    const perRecord: string[] = [];
    const calls: string[] = [];
    const a = new AuditChain((line) => void perRecord.push(line), { chain: "c", defer: true });
    const b = new AuditChain({ text: (t) => void calls.push(t) }, { chain: "c", defer: true });
    for (const [n, at] of [[3, 1_700_000_000_000], [1, 1_700_000_000_001], [0, 1_700_000_000_002], [200, 1_700_000_000_003]] as const) {
      for (let i = 0; i < n; i++) {
        a.write(fields(i), at);
        b.write(fields(i), at);
      }
      await a.drain(at);
      await b.drain(at);
    }
    // No call for an empty drain; every line ends in a newline; same lines, same order.
    expect(calls).toHaveLength(3);
    expect(calls.every((t) => t.endsWith("\n"))).toBe(true);
    expect(calls.join("").split("\n").slice(0, -1)).toEqual(perRecord);
    // Written as they are made (no `defer`): one newline-terminated line per call.
    const now: string[] = [];
    const c = new AuditChain({ text: (t) => void now.push(t) }, { chain: "c" });
    c.write(fields(1), 1_700_000_000_000);
    expect(now).toHaveLength(1);
    expect(now[0]!.endsWith("\n") && now[0]!.indexOf("\n") === now[0]!.length - 1).toBe(true);
  });
});

describe("last dot found forwards", () => {
  it("equals lastIndexOf for 50,000 generated strings with zero to six dots", async () => {
    const { lastDot } = await import("../../lambda/core/cache.js");
    const r = rng(5);
    for (let i = 0; i < 50_000; i++) {
      const n = Math.floor(r.next() * 40);
      let s = "";
      for (let j = 0; j < n; j++) s += r.pick([".", ".", "a", "b", "-", "_", "é", "😀"]);
      expect(lastDot(s)).toBe(s.lastIndexOf("."));
    }
    for (const s of ["", ".", "..", "...", "a.b.c", "a.b.c.d.e", ".a", "a.", "ab.cd"]) expect(lastDot(s)).toBe(s.lastIndexOf("."));
  });
});
