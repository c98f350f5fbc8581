import { constants, createHmac, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { checkStaticClaims, checkTimes } from "../../lambda/core/claims.js";
import { KeyStore, type JwsAlg } from "../../lambda/core/keys.js";
import { HeaderCache, TokenError, verifyJws } from "../../lambda/core/verify.js";

/**
 * Differential test of the hand-written verification fast path against `jose.jwtVerify` over
 * generated valid and invalid tokens: both must accept or refuse every one. Excluded by design
 * (the edge is deliberately stricter, covered by the attack suite instead): duplicate JSON members,
 * `jku`/`x5u`/`jwk`/`x5c`/`b64` header members, `crit: ["b64"]`, base64 padding or whitespace,
 * non-finite numbers, tokens without `kid`.
 */
const ISS = "https://idp.example.com/";
const AUD = "https://mcp.example.com/crm";
const NOW_MS = Date.UTC(2026, 10, 23, 12, 0, 0);
const NOW = NOW_MS / 1000;
const TOL = 30;
const MAX_AGE = 900;
const ALGS: JwsAlg[] = ["RS256", "ES256", "PS256"];

type K = { kid: string; priv: KeyObject; jwk: Record<string, unknown>; sigAlg: JwsAlg };
function mk(kid: string, type: "rsa" | "ec", alg: JwsAlg, jwkAlg: string | undefined, modulusLength = 2048): K {
  const { privateKey, publicKey } = type === "rsa" ? generateKeyPairSync("rsa", { modulusLength }) : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk: Record<string, unknown> = { ...publicKey.export({ format: "jwk" }), kid, use: "sig" };
  if (jwkAlg) jwk.alg = jwkAlg;
  return { kid, priv: privateKey, jwk, sigAlg: alg };
}
const rs = mk("rs", "rsa", "RS256", "RS256");
const es = mk("es", "ec", "ES256", "ES256");
const ps = mk("ps", "rsa", "PS256", "PS256");
const any = mk("any", "rsa", "RS256", undefined); // no alg: RS256 and PS256 both allowed
const enc = { ...mk("enc", "rsa", "RS256", "RS256"), jwk: { ...mk("enc2", "rsa", "RS256", "RS256").jwk, kid: "enc", use: "enc" } };
const weak = mk("weak", "rsa", "RS256", "RS256", 1024);
const stranger = mk("rs", "rsa", "RS256", "RS256"); // same kid as rs, not in the JWKS
const jwks = { keys: [rs.jwk, es.jwk, ps.jwk, any.jwk, enc.jwk, weak.jwk] };

// Deterministic PRNG (mulberry32) so a failure is reproducible.
let seed = 0x5eed;
const rnd = () => {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64url");

function signWith(k: K, alg: string, input: string): string {
  if (alg === "HS256") return createHmac("sha256", String(k.jwk.n ?? "x")).update(input).digest("base64url");
  if (alg === "none") return "";
  if (alg === "ES256") return sign("sha256", Buffer.from(input), { key: k.priv, dsaEncoding: "ieee-p1363" }).toString("base64url");
  if (alg === "PS256") return sign("sha256", Buffer.from(input), { key: k.priv, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }).toString("base64url");
  return sign("sha256", Buffer.from(input), k.priv).toString("base64url");
}

function claims(): Record<string, unknown> {
  const iat = NOW - int(-60, MAX_AGE + 60);
  const c: Record<string, unknown> = { iss: ISS, aud: AUD, sub: `u${int(1, 99)}`, iat, exp: iat + int(-120, 1800), scope: "crm:customers:read" };
  if (rnd() < 0.2) c.nbf = NOW + int(-60, 60);
  if (rnd() < 0.2) c.aud = pick([[AUD], ["https://x.example", AUD], ["https://x.example"], `${AUD}/`, "https://mcp.example.com/crm-admin", AUD.toUpperCase()]);
  if (rnd() < 0.1) c.iss = pick(["https://idp.example.com", "https://evil.example/", ISS, 42]);
  if (rnd() < 0.05) delete c.exp;
  if (rnd() < 0.05) delete c.iat;
  if (rnd() < 0.05) delete c.iss;
  if (rnd() < 0.05) delete c.aud;
  if (rnd() < 0.03) c.exp = String(c.exp);
  if (rnd() < 0.03) c.nbf = "soon";
  if (rnd() < 0.03) c.iat = null;
  return c;
}

const MUTATIONS = [
  "none", "none", "none", "none", "none", "none", "none", "none",
  "flip_sig", "flip_payload", "swap_payload", "wrong_key", "alg_none", "hs256", "alg_switch", "typ", "crit", "kid_unknown", "kid_type",
  "header_array", "payload_array", "payload_not_json", "bad_char", "segments", "truncate", "der_sig", "bad_utf8", "enc_key", "weak_key", "empty_seg",
] as const;

function generate(): { token: string; mutation: string } {
  const k = pick([rs, es, ps, any, any]);
  const mutation = pick(MUTATIONS);
  let alg: string = k === any ? pick(["RS256", "PS256"]) : k.sigAlg;
  let signer: K = k;
  const header: Record<string, unknown> = { alg, kid: k.kid, typ: pick(["at+jwt", "at+jwt", "at+jwt", "application/at+jwt", "AT+JWT"]) };
  let payload: string = JSON.stringify(claims());
  let headerText: string | undefined;
  switch (mutation) {
    case "wrong_key": signer = stranger; header.kid = "rs"; header.alg = alg = "RS256"; break;
    case "alg_none": header.alg = alg = "none"; break;
    case "hs256": header.alg = alg = "HS256"; break;
    case "alg_switch": header.alg = pick(["RS256", "ES256", "PS256", "RS512", "ES384"]); break;
    case "typ": header.typ = pick(["JWT", "jwt", undefined, "at+jws", "application/jwt", 7]); if (header.typ === undefined) delete header.typ; break;
    case "crit": header.crit = pick([["exp"], [], "x", ["zip"]]); break;
    case "kid_unknown": header.kid = `nope-${int(1, 5)}`; break;
    case "kid_type": header.kid = pick([1, null, ["rs"]]); break;
    case "header_array": headerText = JSON.stringify([header]); break;
    case "payload_array": payload = JSON.stringify([JSON.parse(payload)]); break;
    case "payload_not_json": payload = payload.slice(0, -1); break;
    case "enc_key": header.kid = "enc"; header.alg = alg = "RS256"; signer = enc; break;
    case "weak_key": header.kid = "weak"; header.alg = alg = "RS256"; signer = weak; break;
  }
  const hs = mutation === "bad_utf8" ? b64(Buffer.concat([Buffer.from('{"alg":"RS256","kid":"rs","x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])) : b64(headerText ?? JSON.stringify(header));
  let ps_ = b64(payload);
  const input = `${hs}.${ps_}`;
  let sig = mutation === "der_sig" && alg === "ES256" ? sign("sha256", Buffer.from(input), signer.priv).toString("base64url") : signWith(signer, alg, input);
  if (mutation === "swap_payload") ps_ = b64(JSON.stringify({ ...JSON.parse(payload), scope: "crm:admin" }));
  if (mutation === "flip_payload") ps_ = ps_.slice(0, 5) + (ps_[5] === "A" ? "B" : "A") + ps_.slice(6);
  if (mutation === "flip_sig" && sig.length > 10) sig = sig.slice(0, 10) + (sig[10] === "A" ? "B" : "A") + sig.slice(11);
  if (mutation === "truncate") sig = sig.slice(0, int(0, sig.length - 1));
  let token = `${hs}.${ps_}.${sig}`;
  if (mutation === "bad_char") {
    const i = int(0, token.length - 1);
    token = token.slice(0, i) + pick(["+", "/", "*", "!"]) + token.slice(i + 1);
  }
  if (mutation === "segments") token = pick([`${hs}.${ps_}`, `${token}.${sig}`, `${hs}.${ps_}.${sig}.x.y`, `.${ps_}.${sig}`]);
  if (mutation === "empty_seg") token = pick([`${hs}..${sig}`, `.${ps_}.${sig}`]);
  return { token, mutation };
}

describe("differential: fast path vs jose.jwtVerify", () => {
  it("agrees with jose on every one of 1500 generated valid and invalid tokens", async () => {
    const store = new KeyStore({ jwksUri: "https://idp.example.com/jwks", algorithms: ALGS, snapshot: jwks as never, now: () => NOW_MS, fetch: (async () => { throw new Error("offline"); }) as unknown as typeof fetch, cooldownMs: 1e12 });
    const headers = new HeaderCache(new Set(ALGS), ["at+jwt"]);
    const local = createLocalJWKSet(jwks as never);
    let accepted = 0;
    const disagreements: string[] = [];
    const byMutation = new Map<string, number>();
    for (let i = 0; i < 1500; i++) {
      const { token, mutation } = generate();
      byMutation.set(mutation, (byMutation.get(mutation) ?? 0) + 1);
      let ours = false;
      let why = "";
      try {
        const v = await verifyJws(token, headers, store);
        const t = checkStaticClaims(v.claims, { issuers: [ISS], audiences: [AUD], clockToleranceSeconds: TOL });
        checkTimes(t, Math.floor(NOW_MS / 1000), TOL, MAX_AGE);
        ours = true;
      } catch (e) {
        if (!(e instanceof TokenError)) throw e;
        why = e.reason;
      }
      let theirs = false;
      let theirWhy = "";
      try {
        await jwtVerify(token, local, { algorithms: ALGS, issuer: ISS, audience: AUD, clockTolerance: TOL, maxTokenAge: MAX_AGE, typ: "at+jwt", requiredClaims: ["exp", "iat"], currentDate: new Date(NOW_MS) });
        theirs = true;
      } catch (e) {
        theirWhy = (e as { code?: string }).code ?? String(e);
      }
      if (ours) accepted++;
      if (ours !== theirs) disagreements.push(`#${i} ${mutation}: ours=${ours}(${why}) jose=${theirs}(${theirWhy}) ${token.slice(0, 60)}…`);
    }
    expect(disagreements).toEqual([]);
    // The corpus is meaningful: plenty of valid and of invalid tokens, every mutation exercised.
    expect(accepted).toBeGreaterThan(150);
    expect(1500 - accepted).toBeGreaterThan(600);
    for (const m of new Set(MUTATIONS)) expect(byMutation.get(m) ?? 0).toBeGreaterThan(10);
  }, 60_000);
});
