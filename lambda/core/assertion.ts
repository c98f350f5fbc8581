import type { JsonWebKey, KeyObject } from "node:crypto";
import { nodeCrypto } from "./node.js";

const { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign } = nodeCrypto;

/**
 * The identity assertion the edge hands the upstream MCP server instead of the client's token
 * (MCP: "MUST NOT pass through the token it received", RS-17). A short-lived JWS (RFC 7519) signed
 * by the edge, audience = the upstream URL, carrying who asked and with what.
 */
export interface AssertionSigner {
  /** Public JWKS the upstream verifies with (served at `/.well-known/mcp-edge-jwks.json`). */
  readonly jwks: { keys: JsonWebKey[] };
  readonly ephemeral: boolean;
  /** The JWS `alg` every assertion carries. */
  readonly algorithm: AssertionAlgorithm;
  /** The JWS `kid` every assertion carries. */
  readonly keyId: string;
  /** The raw signature of `data` under the assertion key (JWS encoding: IEEE P1363 for ECDSA). */
  signBytes(data: Buffer): Buffer;
  sign(claims: Record<string, unknown>, nowSec: number, lifetimeSeconds: number): string;
}

/** Signs assertions in batches (`upstreamAssertion: "batched"`; `AssertionBatcher` in assertion-batch.ts). */
export interface BatchSigner {
  sign(claims: Record<string, unknown>, nowSec: number, lifetimeSeconds: number): Promise<string>;
}

/**
 * Signature algorithms of the assertion, by key type: Ed25519 (`EdDSA`, RFC 8037) and ES256 (P-256)
 * sign in about 20 µs from a pre-imported `KeyObject` (bench/RESULTS.md); RSA (`RS256`) and P-384
 * (`ES384`) are accepted for upstreams that need them, at a higher cost.
 */
export const ASSERTION_ALGORITHMS = ["EdDSA", "ES256", "ES384", "RS256"] as const;
export type AssertionAlgorithm = (typeof ASSERTION_ALGORITHMS)[number];

/** Header the upstream reads the assertion from. */
export const ASSERTION_HEADER = "mcp-edge-assertion";

function algFor(key: KeyObject): { alg: AssertionAlgorithm; hash: string | null; dsa?: "ieee-p1363" } {
  const t = key.asymmetricKeyType;
  if (t === "rsa") return { alg: "RS256", hash: "sha256" };
  if (t === "ed25519") return { alg: "EdDSA", hash: null };
  if (t === "ec") {
    const c = key.asymmetricKeyDetails?.namedCurve;
    if (c === "prime256v1") return { alg: "ES256", hash: "sha256", dsa: "ieee-p1363" };
    if (c === "secp384r1") return { alg: "ES384", hash: "sha384", dsa: "ieee-p1363" };
  }
  throw new Error(`assertionKey: unsupported key type ${String(t)}; use an RSA, EC P-256/P-384 or Ed25519 private key`);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

/**
 * The JSON text of `{ ...claims, iat, exp, jti }`, without copying the claims into a new object
 * when they hold none of the three (the assertion's claims never do): the members of `claims`
 * in order, then `iat`, `exp`, `jti`, byte for byte what `JSON.stringify` of the spread gives.
 */
export function payloadJson(claims: Record<string, unknown>, iat: number, exp: number, jti: string): string {
  if (Object.hasOwn(claims, "iat") || Object.hasOwn(claims, "exp") || Object.hasOwn(claims, "jti") || typeof claims.toJSON === "function") {
    return JSON.stringify({ ...claims, iat, exp, jti });
  }
  const head = JSON.stringify(claims);
  const tail = `"iat":${JSON.stringify(iat)},"exp":${JSON.stringify(exp)},"jti":${JSON.stringify(jti)}}`;
  return head.length === 2 ? `{${tail}` : `${head.slice(0, -1)},${tail}`;
}

/** RFC 7638 JWK thumbprint (SHA-256): a key id every instance holding the same key agrees on. */
function thumbprint(jwk: JsonWebKey): string {
  const req = jwk.kty === "RSA" ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : jwk.kty === "EC" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash("sha256").update(JSON.stringify(req)).digest("base64url");
}

/**
 * A signer from a private JWK / KeyObject, or (when none is given) a fresh Ed25519 key pair held
 * in memory — fine for `dev` and tests, but an upstream must then fetch the edge JWKS again after
 * every restart, so deployments pass a stable key. The algorithm follows from the key (Ed25519 →
 * `EdDSA`, P-256 → `ES256`, P-384 → `ES384`, RSA → `RS256`); the key id is `keyId`, else the
 * JWK's `kid`, else its RFC 7638 thumbprint (the same on every instance holding the key).
 */
export function createAssertionSigner(key?: JsonWebKey | KeyObject, keyId?: string): AssertionSigner {
  let priv: KeyObject;
  let ephemeral = false;
  if (!key) {
    priv = generateKeyPairSync("ed25519").privateKey;
    ephemeral = true;
  } else if ("type" in key && typeof (key as KeyObject).export === "function") {
    priv = key as KeyObject;
  } else {
    priv = createPrivateKey({ key: key as JsonWebKey, format: "jwk" });
  }
  if (priv.type !== "private") throw new Error("assertionKey must be a private key");
  const { alg, hash, dsa } = algFor(priv);
  const pub = createPublicKey(priv).export({ format: "jwk" });
  const kid: string = keyId ?? (key && !("export" in key) && typeof (key as JsonWebKey).kid === "string" ? ((key as JsonWebKey).kid as string) : undefined) ?? thumbprint(pub);
  const jwk = { ...pub, kid, alg, use: "sig" };
  const header = b64({ alg, kid, typ: "mcp-edge+jwt" });
  const signingKey = dsa ? { key: priv, dsaEncoding: dsa } : priv;
  const signBytes = (data: Buffer) => sign(hash, data, signingKey);
  return {
    jwks: { keys: [jwk] },
    ephemeral,
    algorithm: alg,
    keyId: kid,
    signBytes,
    sign(claims, nowSec, lifetimeSeconds) {
      const body = `${header}.${Buffer.from(payloadJson(claims, nowSec, nowSec + lifetimeSeconds, randomUUID())).toString("base64url")}`;
      return `${body}.${signBytes(Buffer.from(body)).toString("base64url")}`;
    },
  };
}

/** What the assertion says about one request (claims besides `iat`, `exp`, `jti`). */
export interface AssertionFacts {
  /** The resource URI of the MCP server (`iss`). */
  issuer: string;
  /** The upstream URL (`aud`). */
  audience: string;
  server: string;
  principal: { sub: string | undefined; clientId: string | undefined; agent: string | undefined; tenant: string | undefined };
  /** HTTP method of the request. */
  httpMethod: string;
  /** The JSON-RPC messages of the body (method and tool / prompt name or resource URI). */
  calls: ReadonlyArray<{ method: string; name: string | undefined }>;
  /** The body exactly as forwarded (undefined when there is none). */
  body: string | undefined;
  /** The scopes this request's operations needed (not every scope the token holds). */
  scopes: readonly string[];
}

/**
 * The assertion's claims for one request. Besides who asked (`sub`, `client_id`, `act.sub`,
 * `tenant`) it names the request, so an assertion cannot be replayed for another one within its
 * lifetime: `htm` (HTTP method, as RFC 9449 §4.2 names it), `mcp_method` and `mcp_name` of the
 * JSON-RPC message (`mcp_calls` lists every message of a batch), `body_sha256` (base64url SHA-256
 * of the forwarded body bytes), and `scope`: only the scopes this request used (absent when it
 * used none, e.g. `tools/list`).
 */
export function assertionClaims(f: AssertionFacts): Record<string, unknown> {
  const p = f.principal;
  const first = f.calls[0];
  // Member by member in one fixed order (no object spreads: this runs for every forwarded request).
  const c: Record<string, unknown> = { iss: f.issuer, aud: f.audience, sub: p.sub, client_id: p.clientId };
  if (p.agent) c.act = { sub: p.agent };
  if (p.tenant) c.tenant = p.tenant;
  if (f.scopes.length > 0) c.scope = f.scopes.join(" ");
  c.mcp_server = f.server;
  c.htm = f.httpMethod;
  if (first) c.mcp_method = first.method;
  if (first?.name !== undefined) c.mcp_name = first.name;
  if (f.calls.length > 1) c.mcp_calls = f.calls.map((x) => (x.name === undefined ? { method: x.method } : { method: x.method, name: x.name }));
  if (f.body !== undefined) c.body_sha256 = bodyHash(f.body);
  return c;
}

/** base64url SHA-256 of the UTF-8 bytes of `body` (what `body_sha256` holds). */
export function bodyHash(body: string): string {
  return createHash("sha256").update(body).digest("base64url");
}
