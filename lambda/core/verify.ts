import { nodeCrypto } from "./node.js";
import { b64uText, isUtf8, parseStrictObject } from "./json.js";
import type { JwsAlg, KeyStore, VerifyKey } from "./keys.js";

/**
 * JWS compact verification for access tokens (RFC 7515, RFC 7519, RFC 8725 best practices), written
 * on node:crypto for speed: a pre-imported `KeyObject` per `kid` and a small cache of parsed headers.
 * It is differentially tested against `jose.jwtVerify` (test/edge/differential.test.ts).
 */

/** Why a token was refused. Goes to the operator log and audit, never to the client. */
export type TokenReason =
  | "token_too_large"
  | "token_malformed"
  | "token_is_jwe"
  | "header_invalid"
  | "header_duplicate_member"
  | "alg_not_allowed"
  | "header_key_injection"
  | "crit_not_supported"
  | "b64_not_supported"
  | "typ_not_allowed"
  | "unknown_kid"
  | "alg_not_allowed_for_key"
  | "jwks_unavailable"
  | "signature_invalid"
  | "payload_invalid"
  | "iss_mismatch"
  | "aud_mismatch"
  | "exp_missing"
  | "expired"
  | "nbf_in_future"
  | "iat_missing"
  | "iat_in_future"
  | "token_too_old"
  | "claim_type_invalid"
  | "tenant_missing"
  | "introspection_inactive"
  | "introspection_unavailable"
  | "revoked"
  | "revocation_list_unavailable";

export class TokenError extends Error {
  constructor(readonly reason: TokenReason) {
    super(reason);
  }
}

/** Largest token the edge reads, bytes. Real access tokens are 1–3 KB. */
export const MAX_TOKEN_LENGTH = 8192;

export interface ParsedHeader {
  alg: JwsAlg;
  kid: string | undefined;
  typ: string | undefined;
}

interface AlgSpec {
  hash: string | null;
  pss?: number;
  ecLen?: number;
}
const ALGS: Record<JwsAlg, AlgSpec> = {
  RS256: { hash: "sha256" },
  RS384: { hash: "sha384" },
  RS512: { hash: "sha512" },
  PS256: { hash: "sha256", pss: 32 },
  PS384: { hash: "sha384", pss: 48 },
  PS512: { hash: "sha512", pss: 64 },
  ES256: { hash: "sha256", ecLen: 64 },
  ES384: { hash: "sha384", ecLen: 96 },
  ES512: { hash: "sha512", ecLen: 132 },
  EdDSA: { hash: null },
};

/** Header members that would let a token choose its own key (RFC 8725 §3.10); refused outright. */
const KEY_INJECTION = ["jku", "x5u", "jwk", "x5c"] as const;

/**
 * Parses and checks a protected header. Throws `TokenError`. The alg must be in `allowed`
 * (never `none`/HMAC since the config cannot name them); `crit` is refused (no extension is
 * understood, RFC 7515 §4.1.11); `typ`, when `tokenTypes` is given, must match (RFC 9068 §4).
 */
export function parseHeader(segment: string, allowed: ReadonlySet<string>, tokenTypes: readonly string[] | undefined): ParsedHeader {
  const text = b64uText(segment);
  if (text === undefined) throw new TokenError("token_malformed");
  const h = parseStrictObject(text);
  if (!h) throw new TokenError(text.length > 0 && text.trimStart().startsWith("{") ? "header_duplicate_member" : "header_invalid");
  if (typeof h.alg !== "string" || !allowed.has(h.alg)) throw new TokenError("alg_not_allowed");
  for (const m of KEY_INJECTION) if (h[m] !== undefined) throw new TokenError("header_key_injection");
  if (h.crit !== undefined) throw new TokenError("crit_not_supported");
  if (h.b64 !== undefined) throw new TokenError("b64_not_supported");
  if (h.kid !== undefined && typeof h.kid !== "string") throw new TokenError("header_invalid");
  if (h.typ !== undefined && typeof h.typ !== "string") throw new TokenError("header_invalid");
  if (tokenTypes && (typeof h.typ !== "string" || !tokenTypes.some((t) => normalizeTyp(t) === normalizeTyp(h.typ as string)))) {
    throw new TokenError("typ_not_allowed");
  }
  return { alg: h.alg as JwsAlg, kid: h.kid as string | undefined, typ: h.typ as string | undefined };
}

/** RFC 7515 §4.1.9: `typ` may omit the `application/` prefix; compared case-insensitively. */
export function normalizeTyp(t: string): string {
  const l = t.toLowerCase();
  return l.includes("/") ? l : `application/${l}`;
}

/** Checks a signature with a bound key; false on any mismatch (wrong length, wrong key type). */
export function checkSignature(alg: JwsAlg, key: VerifyKey, signingInput: string, sig: Buffer): boolean {
  const spec = ALGS[alg];
  if (spec.ecLen !== undefined && sig.length !== spec.ecLen) return false;
  try {
    const data = Buffer.from(signingInput, "latin1");
    if (spec.pss !== undefined) {
      return nodeCrypto.verify(spec.hash, data, { key: key.key, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.pss }, sig);
    }
    if (spec.ecLen !== undefined) return nodeCrypto.verify(spec.hash, data, { key: key.key, dsaEncoding: "ieee-p1363" }, sig);
    return nodeCrypto.verify(spec.hash, data, key.key, sig);
  } catch {
    return false;
  }
}

/** A verified token: header and claims; claims are NOT yet checked (see `claims.ts`). */
export interface VerifiedJws {
  header: ParsedHeader;
  claims: Record<string, unknown>;
}

/** Bounded cache of parsed headers keyed by the encoded header (IdPs reuse one header per key). */
export class HeaderCache {
  private readonly map = new Map<string, ParsedHeader>();
  constructor(
    private readonly allowed: ReadonlySet<string>,
    private readonly tokenTypes: readonly string[] | undefined,
    private readonly max = 64,
  ) {}
  get(segment: string): ParsedHeader {
    const hit = this.map.get(segment);
    if (hit) return hit;
    const h = parseHeader(segment, this.allowed, this.tokenTypes);
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(segment, h);
    return h;
  }
}

/** Splits a compact token into exactly three segments, refusing JWE (five) and anything else. */
export function splitCompact(token: string): [string, string, string] {
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenError("token_too_large");
  const a = token.indexOf(".");
  const b = a < 0 ? -1 : token.indexOf(".", a + 1);
  if (a <= 0 || b < 0) throw new TokenError("token_malformed");
  const c = token.indexOf(".", b + 1);
  if (c >= 0) {
    throw new TokenError(token.split(".").length === 5 ? "token_is_jwe" : "token_malformed");
  }
  return [token.slice(0, a), token.slice(a + 1, b), token.slice(b + 1)];
}

/**
 * Verifies a compact JWS access token's structure and signature and parses its claims.
 * Order follows RFC 7515 §5.2: header, key, signature, then payload.
 * @param shaped `true` only when the caller has already tested `token` against `COMPACT` (skips that scan).
 * @throws TokenError with the reason.
 */
export async function verifyJws(token: string, headers: HeaderCache, keys: KeyStore, shaped = false): Promise<VerifiedJws> {
  const fast = verifyJwsHeld(token, headers, keys, shaped);
  if (fast) return fast;
  const header = headers.get(splitCompact(token)[0]);
  const r = await keys.get(header.kid, header.alg);
  if ("error" in r) throw new TokenError(r.error);
  return verifyWithKey(token, header, r.key, shaped);
}

/**
 * The synchronous hot path: verifies with a key already held, or returns `undefined` when the key
 * must be fetched first (then use `verifyJws`). `shaped` as for `verifyJws`. @throws TokenError with the reason.
 */
export function verifyJwsHeld(token: string, headers: HeaderCache, keys: KeyStore, shaped = false): VerifiedJws | undefined {
  const header = headers.get(splitCompact(token)[0]);
  const key = keys.peek(header.kid, header.alg);
  return key ? verifyWithKey(token, header, key, shaped) : undefined;
}

/**
 * Three base64url segments (RFC 7515 §7.1), no padding: one pass over the whole token. A token
 * matching it is also an RFC 6750 `b64token`; callers that tested it already pass `shaped`.
 */
export const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

function verifyWithKey(token: string, header: ParsedHeader, key: VerifyKey, shaped: boolean): VerifiedJws {
  if (!shaped && !COMPACT.test(token)) throw new TokenError("token_malformed");
  const a = token.indexOf(".");
  const b = token.indexOf(".", a + 1);
  const ps = token.slice(a + 1, b);
  const ss = token.slice(b + 1);
  // Segments were checked by COMPACT above; only the length rule of base64 remains (RFC 4648 §5).
  if (ss.length % 4 === 1 || ps.length % 4 === 1) throw new TokenError("token_malformed");
  if (!checkSignature(header.alg, key, token.slice(0, b), Buffer.from(ss, "base64url"))) throw new TokenError("signature_invalid");
  const bytes = Buffer.from(ps, "base64url");
  if (!isUtf8(bytes)) throw new TokenError("token_malformed");
  const claims = parseStrictObject(bytes.toString("utf8"));
  if (!claims) throw new TokenError("payload_invalid");
  return { header, claims };
}
