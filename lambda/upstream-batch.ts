import { createPublicKey, KeyObject, verify } from "node:crypto";
import type { JWTPayload, JWTVerifyGetKey } from "jose";
import { BATCH_MAX, BATCH_PARAM, batchRootMessage, leafHash, MAX_PROOF, rootFromProof } from "./core/assertion-batch.js";

/**
 * Verification of a batched identity assertion (lambda/core/assertion-batch.ts has the format):
 * the inclusion proof from the assertion's payload to the batch root (RFC 9162 §2.1.3.2), the
 * signature over that root under the edge's key, then the same registered claims `jwtVerify` checks
 * for an ordinary assertion (`typ`, `iss`, `aud`, `exp`, `nbf`). Runs on the upstream.
 */

/** A failure, with the jose error code an ordinary assertion would fail with. */
export class BatchAssertionFailure extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const fail = (code: string): never => {
  throw new BatchAssertionFailure(code);
};

/** Whether a compact JWS's protected header names the batch extension (read without trusting it). */
export function batchHeaderOf(assertion: string): Record<string, unknown> | undefined {
  const dot = assertion.indexOf(".");
  if (dot <= 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(assertion.slice(0, dot), "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return undefined;
  const crit = (header as { crit?: unknown }).crit;
  return Array.isArray(crit) && crit.includes(BATCH_PARAM) ? (header as Record<string, unknown>) : undefined;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const HASH_B64 = /^[A-Za-z0-9_-]{43}$/;

/** The node:crypto verification parameters of a JWS `alg`, and the key type it needs (RFC 7518 §3, RFC 8037 §3.1). */
function algParams(alg: string, key: KeyObject): { hash: string | null; dsa?: "ieee-p1363" } {
  const t = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (alg === "EdDSA" && t === "ed25519") return { hash: null };
  if (alg === "ES256" && t === "ec" && curve === "prime256v1") return { hash: "sha256", dsa: "ieee-p1363" };
  if (alg === "ES384" && t === "ec" && curve === "secp384r1") return { hash: "sha384", dsa: "ieee-p1363" };
  if (alg === "RS256" && t === "rsa") return { hash: "sha256" };
  return fail("ERR_JOSE_NOT_SUPPORTED");
}

async function publicKeyFor(key: KeyObject | JWTVerifyGetKey, header: Record<string, unknown>, parts: string[]): Promise<KeyObject> {
  if (typeof key !== "function") return key.type === "private" ? createPublicKey(key) : key;
  const k = await key(header as Parameters<JWTVerifyGetKey>[0], { payload: parts[1]!, signature: parts[2]!, protected: parts[0]! });
  if (k instanceof KeyObject) return k;
  if (k instanceof Uint8Array) return fail("ERR_JOSE_NOT_SUPPORTED");
  if (typeof CryptoKey !== "undefined" && k instanceof CryptoKey) return KeyObject.from(k);
  return createPublicKey({ key: k as import("node:crypto").JsonWebKey, format: "jwk" });
}

/**
 * Verifies a batched assertion and returns its payload. `algorithms`, `issuer`, `audience` and
 * `currentDate` as for `verifyEdgeAssertion`. Throws `BatchAssertionFailure`.
 */
export async function verifyBatchedAssertion(
  assertion: string,
  header: Record<string, unknown>,
  c: { key: KeyObject | JWTVerifyGetKey; issuer: string; audience: string; algorithms: string[]; currentDate?: Date | undefined },
): Promise<JWTPayload> {
  const parts = assertion.split(".");
  if (parts.length !== 3 || !parts.every((p) => p.length > 0 && B64URL.test(p))) fail("ERR_JWS_INVALID");
  const { alg, kid, typ, crit } = header as { alg?: unknown; kid?: unknown; typ?: unknown; crit?: unknown };
  const batch = header[BATCH_PARAM] as { n?: unknown; i?: unknown; path?: unknown } | undefined;
  // RFC 7515 §4.1.11: every crit entry must be understood; this verifier understands only the batch.
  if (!Array.isArray(crit) || crit.length !== 1 || crit[0] !== BATCH_PARAM) fail("ERR_JOSE_NOT_SUPPORTED");
  if (typeof alg !== "string") fail("ERR_JWS_INVALID");
  if (!c.algorithms.includes(alg as string)) fail("ERR_JOSE_ALG_NOT_ALLOWED");
  if (kid !== undefined && typeof kid !== "string") fail("ERR_JWS_INVALID");
  if (typ !== "mcp-edge+jwt") fail("ERR_JWT_CLAIM_VALIDATION_FAILED");
  if (typeof batch !== "object" || batch === null) fail("ERR_JWS_INVALID");
  const { n, i, path } = batch!;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > BATCH_MAX) fail("ERR_JWS_INVALID");
  if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= (n as number)) fail("ERR_JWS_INVALID");
  if (!Array.isArray(path) || path.length > MAX_PROOF || !path.every((h) => typeof h === "string" && HASH_B64.test(h))) fail("ERR_JWS_INVALID");

  const root = rootFromProof(leafHash(parts[1]!), i as number, n as number, (path as string[]).map((h) => Buffer.from(h, "base64url")));
  if (!root) fail("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
  const key = await publicKeyFor(c.key, header, parts);
  const p = algParams(alg as string, key);
  const message = batchRootMessage(alg as string, kid as string | undefined, typ as string, n as number, root!);
  const ok = verify(p.hash, message, p.dsa ? { key, dsaEncoding: p.dsa } : key, Buffer.from(parts[2]!, "base64url"));
  if (!ok) fail("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");

  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    return fail("ERR_JWT_INVALID");
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) fail("ERR_JWT_INVALID");
  const claims = payload as JWTPayload;
  // The registered claims, as jose's jwtVerify checks them for an ordinary assertion (RFC 7519 §4.1).
  const now = Math.floor((c.currentDate ?? new Date()).getTime() / 1000);
  if (claims.iss !== c.issuer) fail("ERR_JWT_CLAIM_VALIDATION_FAILED");
  const aud = claims.aud;
  if (!(aud === c.audience || (Array.isArray(aud) && aud.includes(c.audience)))) fail("ERR_JWT_CLAIM_VALIDATION_FAILED");
  if (claims.iat !== undefined && typeof claims.iat !== "number") fail("ERR_JWT_CLAIM_VALIDATION_FAILED");
  if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || claims.nbf > now)) fail("ERR_JWT_CLAIM_VALIDATION_FAILED");
  // The edge always sets exp; an assertion without one is not the edge's.
  if (typeof claims.exp !== "number") fail("ERR_JWT_CLAIM_VALIDATION_FAILED");
  if ((claims.exp as number) <= now) fail("ERR_JWT_EXPIRED");
  return claims;
}
