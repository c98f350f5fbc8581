import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ADMIN_RESOURCE, b64, bearer, call, crmConfig, ecKey, harness, ISSUER, mint, NOW, parseChallenge, post, rsaKey, RESOURCE, signRaw } from "./helpers.js";

/**
 * The attack suite: crafted tokens and requests, each refused with the right status and challenge,
 * and none of them ever appearing in an audit record, an operator log line or a response.
 */
const key = rsaKey("rsa-1");
const ec = ecKey("ec-1");
const attacker = rsaKey("rsa-1"); // same kid, different key
const jwksBody = JSON.stringify({ keys: [key.jwk, ec.jwk] });

const hdr = (h: Record<string, unknown>) => JSON.stringify({ alg: "RS256", kid: "rsa-1", typ: "at+jwt", ...h });
const claims = (c: Record<string, unknown> = {}) => JSON.stringify({ iss: ISSUER, aud: RESOURCE, sub: "mallory", client_id: "evil", iat: NOW - 60, exp: NOW + 600, scope: "crm:customers:read", ...c });
const hmac = (secret: string | Buffer, h: Record<string, unknown>, c = claims()) => {
  const input = `${b64(hdr(h))}.${b64(c)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
};
const good = mint(key);
const [gh, gp, gs] = good.split(".") as [string, string, string];
const pem = key.publicKey.export({ format: "pem", type: "spki" }).toString();
const attackerEmbedded = { ...attacker.jwk };

type Attack = { name: string; token?: string; req?: () => Request; status: number; error?: string | null; body?: unknown };
const list = call("list_customers");

const attacks: Attack[] = [
  { name: "alg none without signature", token: `${b64(hdr({ alg: "none" }))}.${b64(claims())}.`, status: 401, error: "invalid_token" },
  { name: "alg none with a signature", token: `${b64(hdr({ alg: "none" }))}.${b64(claims())}.${gs}`, status: 401, error: "invalid_token" },
  { name: "alg NONE (case variant)", token: `${b64(hdr({ alg: "NONE" }))}.${b64(claims())}.`, status: 401, error: "invalid_token" },
  { name: "HS256 signed with the RSA public key PEM", token: hmac(pem, { alg: "HS256" }), status: 401, error: "invalid_token" },
  { name: "HS256 signed with the JWK modulus", token: hmac(String(key.jwk.n), { alg: "HS256" }), status: 401, error: "invalid_token" },
  { name: "unknown kid (refetch finds nothing)", token: mint(rsaKey("rsa-404"), {}, { kid: "rsa-404" }), status: 401, error: "invalid_token" },
  { name: "kid path traversal", token: mint(key, {}, { kid: "../../etc/passwd" }), status: 401, error: "invalid_token" },
  { name: "same kid signed by another key", token: mint(attacker), status: 401, error: "invalid_token" },
  { name: "wrong iss", token: mint(key, { iss: "https://evil.example.com/" }), status: 401, error: "invalid_token" },
  { name: "iss without the trailing slash", token: mint(key, { iss: "https://idp.example.com" }), status: 401, error: "invalid_token" },
  { name: "wrong aud", token: mint(key, { aud: "https://other.example.com/mcp" }), status: 401, error: "invalid_token" },
  { name: "aud array without us", token: mint(key, { aud: ["https://a.example", "https://b.example"] }), status: 401, error: "invalid_token" },
  { name: "valid token for the sibling server (confused deputy)", token: mint(key, { aud: ADMIN_RESOURCE }), status: 401, error: "invalid_token" },
  { name: "aud with a trailing slash", token: mint(key, { aud: `${RESOURCE}/` }), status: 401, error: "invalid_token" },
  { name: "missing aud", token: mint(key, { aud: undefined }), status: 401, error: "invalid_token" },
  { name: "expired", token: mint(key, { iat: NOW - 4000, exp: NOW - 3000 }), status: 401, error: "invalid_token" },
  { name: "expired just past the leeway", token: mint(key, { exp: NOW - 31 }), status: 401, error: "invalid_token" },
  { name: "nbf in the future", token: mint(key, { nbf: NOW + 600 }), status: 401, error: "invalid_token" },
  { name: "iat too old for the scope's sensitivity", token: mint(key, { iat: NOW - 1800, exp: NOW + 1800, scope: "crm:customers:export" }), req: undefined, status: 401, error: "invalid_token", body: call("export_customers") },
  { name: "iat in the future", token: mint(key, { iat: NOW + 600 }), status: 401, error: "invalid_token" },
  { name: "missing exp", token: mint(key, { exp: undefined }), status: 401, error: "invalid_token" },
  { name: "missing iat", token: mint(key, { iat: undefined }), status: 401, error: "invalid_token" },
  { name: "exp as a string", token: mint(key, { exp: String(NOW + 600) }), status: 401, error: "invalid_token" },
  { name: "base64 (not base64url) characters in the payload", token: `${gh}.${gp.slice(0, 10)}+/${gp.slice(12)}.${gs}`, status: 401, error: "invalid_token" },
  { name: "padding inside the token (not a b64token)", token: `${gh}.${gp}==.${gs}`, status: 400, error: "invalid_request" },
  // Characters outside RFC 6750 b64token make the Authorization header itself malformed: 400.
  { name: "characters outside b64token in the token", token: `${gh}.${gp.slice(0, 10)}*${gp.slice(11)}.${gs}`, status: 400, error: "invalid_request" },
  { name: "padding at the end of the signature", token: `${good}==`, status: 401, error: "invalid_token" },
  { name: "truncated signature", token: good.slice(0, -12), status: 401, error: "invalid_token" },
  { name: "two segments only", token: `${gh}.${gp}`, status: 401, error: "invalid_token" },
  { name: "empty signature", token: `${gh}.${gp}.`, status: 401, error: "invalid_token" },
  { name: "oversized token", token: mint(key, { pad: "x".repeat(9000) }), status: 401, error: "invalid_token" },
  { name: "JWE instead of JWS", token: `${b64({ alg: "RSA-OAEP", enc: "A256GCM", kid: "rsa-1" })}.${"a".repeat(342)}.${"b".repeat(16)}.${"c".repeat(40)}.${"d".repeat(22)}`, status: 401, error: "invalid_token" },
  { name: "jku injection", token: signRaw(hdr({ jku: "https://evil.example/jwks" }), claims(), attacker), status: 401, error: "invalid_token" },
  { name: "x5u injection", token: signRaw(hdr({ x5u: "https://evil.example/cert" }), claims(), attacker), status: 401, error: "invalid_token" },
  { name: "embedded jwk injection", token: signRaw(hdr({ jwk: attackerEmbedded }), claims(), attacker), status: 401, error: "invalid_token" },
  { name: "x5c injection", token: signRaw(hdr({ x5c: ["MIIB"] }), claims(), attacker), status: 401, error: "invalid_token" },
  { name: "unknown crit extension", token: signRaw(hdr({ crit: ["exp2"], exp2: 1 }), claims(), key), status: 401, error: "invalid_token" },
  { name: "b64 header member (RFC 7797 unencoded payload), validly signed", token: signRaw(hdr({ b64: true }), claims(), key), status: 401, error: "invalid_token" },
  { name: "duplicate aud member in the payload", token: signRaw(hdr({}), claims().replace(/^\{/, '{"aud":"https://other.example",'), key), status: 401, error: "invalid_token" },
  { name: "duplicate alg member in the header", token: signRaw(`{"alg":"none",${hdr({}).slice(1)}`, claims(), key), status: 401, error: "invalid_token" },
  { name: "payload is an array", token: signRaw(hdr({}), "[1,2]", key), status: 401, error: "invalid_token" },
  { name: "payload is not UTF-8", token: `${gh}.${Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("base64url")}.${gs}`, status: 401, error: "invalid_token" },
  { name: "payload altered after signing (scope escalation)", token: `${gh}.${b64(claims({ scope: "crm:customers:read crm:customers:delete" }))}.${gs}`, status: 401, error: "invalid_token" },
  { name: "RS256 key used with header alg PS256", token: signRaw(hdr({ alg: "PS256" }), claims(), key, "RS256"), status: 401, error: "invalid_token" },
  { name: "ES256 signature in DER instead of raw r||s", token: (() => {
    const input = `${b64(JSON.stringify({ alg: "ES256", kid: "ec-1", typ: "at+jwt" }))}.${b64(claims())}`;
    return `${input}.${sign("sha256", Buffer.from(input), ec.privateKey).toString("base64url")}`;
  })(), status: 401, error: "invalid_token" },
  { name: "ES256 header on the RSA kid", token: signRaw(hdr({ alg: "ES256" }), claims(), ec), status: 401, error: "invalid_token" },
  { name: "typ JWT where the IdP issues at+jwt", token: mint(key, {}, { typ: "JWT" }), status: 401, error: "invalid_token" },
  { name: "RSA key under 2048 bits (self-signed, attacker kid)", token: (() => {
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 });
    return signRaw(hdr({ kid: "weak" }), claims(), { ...key, privateKey: weak.privateKey });
  })(), status: 401, error: "invalid_token" },
  { name: "scope missing for the tool", token: mint(key, { scope: "crm:deals:read" }), status: 403, error: "insufficient_scope" },
  { name: "scope in scp array form without the needed scope", token: mint(key, { scope: undefined, scp: ["crm:deals:read", "crm:notes:read"] }), status: 403, error: "insufficient_scope" },
  { name: "scope claim of the wrong type", token: mint(key, { scope: { admin: true } }), status: 401, error: "invalid_token" },
  { name: "batch with one unauthorized call", token: mint(key), status: 403, error: "insufficient_scope", body: [call("list_customers", {}, 1), call("delete_customer", { id: 7 }, 2)] },
  { name: "header/body tool mismatch", req: () => post(call("delete_customer"), { ...bearer(mint(key, { scope: "crm:customers:read crm:customers:delete" })), "mcp-method": "tools/call", "mcp-name": "list_customers" }), status: 400, error: null },
  { name: "token in the query string", req: () => post(list, {}, `${RESOURCE}?access_token=${good}`), status: 400, error: "invalid_request" },
  { name: "token in the query string alongside a header", req: () => post(list, bearer(good), `${RESOURCE}?access_token=${good}`), status: 400, error: "invalid_request" },
  { name: "token in a form body", req: () => new Request(RESOURCE, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `access_token=${good}` }), status: 400, error: "invalid_request" },
  { name: "two Authorization headers", req: () => { const h = new Headers({ "content-type": "application/json" }); h.append("authorization", `Bearer ${good}`); h.append("authorization", `Bearer ${mint(ec)}`); return new Request(RESOURCE, { method: "POST", headers: h, body: JSON.stringify(list) }); }, status: 400, error: "invalid_request" },
  { name: "two tokens in one header", req: () => post(list, { authorization: `Bearer ${good} ${good}` }), status: 400, error: "invalid_request" },
  { name: "Basic credentials instead of a bearer token", req: () => post(list, { authorization: `Basic ${Buffer.from(`alice:${good}`).toString("base64")}` }), status: 401, error: undefined },
  { name: "foreign Origin (DNS rebinding)", req: () => post(list, { ...bearer(good), origin: "http://127.0.0.1.evil.example" }), status: 403, error: undefined },
  // No challenge: no scope can make an undeclared tool pass, so a step-up would loop forever.
  { name: "undeclared tool", token: mint(key), status: 403, error: null, body: call("shell_exec", { cmd: "id" }) },
  { name: "body is not JSON", token: mint(key), status: 400, error: null, body: "{not json" },
  { name: "tool name given twice in one call (parser confusion)", token: mint(key), status: 400, error: null, body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_customer","name":"list_customers"}}' },
  // Method names that are Object.prototype members must not reach a prototype (they crashed the lookup: 500).
  ...["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"].flatMap((m): Attack[] => [
    { name: `method ${m} in the body`, token: mint(key), status: 403, error: null, body: { jsonrpc: "2.0", id: 1, method: m, params: { undefined: "list_customers", name: "list_customers" } } },
    { name: `method ${m} in Mcp-Method without a body`, req: () => new Request(RESOURCE, { method: "POST", headers: { ...bearer(mint(key)), "mcp-protocol-version": "2026-07-28", "mcp-method": m } }), status: 403, error: null },
    { name: `method ${m} in Mcp-Method with an Mcp-Name`, req: () => new Request(RESOURCE, { method: "POST", headers: { ...bearer(mint(key)), "mcp-protocol-version": "2026-07-28", "mcp-method": m, "mcp-name": "list_customers" } }), status: 400, error: null },
  ]),
  { name: "tool named __proto__", token: mint(key), status: 403, error: null, body: call("__proto__") },
  { name: "resource URI constructor", token: mint(key), status: 403, error: null, body: { jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri: "constructor" } } },
  { name: "method given twice in one message", token: mint(key), status: 400, error: null, body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/list","params":{"name":"delete_customer"}}' },
];

describe("attack suite", () => {
  it("has at least 40 crafted attacks", () => {
    expect(attacks.length).toBeGreaterThanOrEqual(40);
  });

  const h = harness([crmConfig([key, ec])], {
    fetch: (async (input: RequestInfo | URL) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.endsWith("/jwks.json")) return new Response(jwksBody, { headers: { "content-type": "application/json" } });
      throw new Error(`unexpected fetch ${url}`);
    }) as typeof fetch,
  });
  const secrets: string[] = [];

  for (const a of attacks) {
    it(`refuses: ${a.name} → ${a.status}${a.error ? ` ${a.error}` : ""}`, async () => {
      const req = a.req ? a.req() : post(a.body ?? list, bearer(a.token!));
      const auth = req.headers.get("authorization");
      if (a.token) secrets.push(a.token);
      if (auth) secrets.push(auth);
      const res = await h.edge.handle(req);
      expect(res.status).toBe(a.status);
      const ch = parseChallenge(res.headers.get("www-authenticate"));
      if (a.error === undefined && a.status === 401) {
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer resource_metadata="/);
        expect(ch.error).toBeUndefined();
      } else if (a.error) expect(ch.error).toBe(a.error);
      // `null`: refused without any Bearer challenge (a JSON-RPC error or plain error instead).
      if (a.error === null) expect(res.headers.get("www-authenticate")).toBeNull();
      if (a.status === 401 && a.error === "invalid_token") expect(ch.error_description).toBe("The access token is invalid, expired, or not issued for this resource");
      expect(res.headers.get("cache-control")).toBe("no-store");
      const text = await res.text();
      for (const s of secrets) expect(text).not.toContain(s.replace(/^Bearer /, "").slice(0, 40));
      expect(h.audit.at(-1)?.decision).toBe("deny");
    });
  }

  it("never lets a crafted token reach the upstream, an audit record or a log line", () => {
    expect(h.upstreamCalls).toHaveLength(0);
    const everything = [...h.lines, ...h.logs.map((l) => JSON.stringify(l))].join("\n");
    expect(h.lines.length).toBeGreaterThanOrEqual(attacks.length);
    for (const s of secrets) {
      const t = s.replace(/^(Bearer|Basic) /, "");
      // Neither the whole token nor any of its segments (header, payload, signature) appears.
      expect(everything).not.toContain(t);
      for (const seg of t.split(".")) if (seg.length >= 16) expect(everything).not.toContain(seg);
    }
  });
});
