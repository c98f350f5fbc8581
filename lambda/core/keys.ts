import type { KeyObject } from "node:crypto";
import { nodeCrypto } from "./node.js";

const { createPublicKey } = nodeCrypto;

/** JWS algorithms the edge can verify (RFC 7518 §3.1, RFC 8037). Never `none`, never HMAC. */
export type JwsAlg = "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512" | "EdDSA";

/** A verification key with the algorithms it may be used with (bound per key, never taken from the token). */
export interface VerifyKey {
  kid: string | undefined;
  key: KeyObject;
  algs: ReadonlySet<JwsAlg>;
}

const RSA_ALGS: JwsAlg[] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
const EC_ALG: Record<string, JwsAlg> = { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" };

/**
 * Imports one JWK as a public verification key, binding it to the algorithms its type allows,
 * narrowed by its own `alg` (RFC 7517 §4.4) and by the configured allow-list. Keys that are
 * symmetric (`oct`), for encryption (`use: "enc"`), RSA under 2048 bits, or unusable return a
 * string naming the reason instead.
 */
export function importVerifyKey(jwk: Record<string, unknown>, allowed: ReadonlySet<JwsAlg>): VerifyKey | string {
  const kid = typeof jwk.kid === "string" ? jwk.kid : undefined;
  if (jwk.use !== undefined && jwk.use !== "sig") return "key is not for signatures (use)";
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes("verify")) return "key_ops lacks verify";
  let candidates: JwsAlg[];
  if (jwk.kty === "RSA") candidates = RSA_ALGS;
  else if (jwk.kty === "EC" && typeof jwk.crv === "string" && EC_ALG[jwk.crv]) candidates = [EC_ALG[jwk.crv]!];
  else if (jwk.kty === "OKP" && jwk.crv === "Ed25519") candidates = ["EdDSA"];
  else return `unsupported key type ${String(jwk.kty)}`;
  if (typeof jwk.alg === "string") candidates = candidates.filter((a) => a === jwk.alg || (a === "EdDSA" && jwk.alg === "Ed25519"));
  const algs = new Set(candidates.filter((a) => allowed.has(a)));
  if (algs.size === 0) return "no allowed algorithm for this key";
  // Public members only: a JWKS that leaks a private key must not make us hold it.
  const pub: Record<string, unknown> = { kty: jwk.kty };
  for (const m of ["n", "e", "crv", "x", "y"]) if (jwk[m] !== undefined) pub[m] = jwk[m];
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pub as never, format: "jwk" });
  } catch {
    return "key material does not import";
  }
  if (jwk.kty === "RSA" && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return "RSA key shorter than 2048 bits";
  return { kid, key, algs };
}

/** A JWKS fetch that failed: not answered in time, not 200 OK (redirects are not followed), or not a JWKS. */
export class JwksFetchError extends Error {
  override readonly name = "JwksFetchError";
}

/**
 * GETs a JSON Web Key Set (RFC 7517 §5): redirects are not followed (a 3xx is a failure, like any
 * status but 200), the whole exchange (headers and body) is bounded by `timeoutMs`, and the answer
 * must be an object whose `keys` is an array of objects. Each key is then checked and imported by
 * `importVerifyKey`.
 */
export async function fetchJwks(url: string, fetchImpl: typeof fetch, timeoutMs: number): Promise<Array<Record<string, unknown>>> {
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = (e: unknown) => (signal.aborted ? new JwksFetchError(`no answer within ${timeoutMs} ms`, { cause: e }) : e);
  const res = await fetchImpl(url, { method: "GET", redirect: "manual", signal, headers: { accept: "application/json, application/jwk-set+json", "user-agent": "pulumi-mcp-auth-edge" } }).catch((e: unknown) => {
    throw timedOut(e);
  });
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new JwksFetchError(`HTTP ${res.status} (expected 200 OK)`);
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch (e) {
    throw signal.aborted ? timedOut(e) : new JwksFetchError("the answer is not JSON", { cause: e });
  }
  const keys = typeof json === "object" && json !== null && !Array.isArray(json) ? (json as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "object" && k !== null && !Array.isArray(k))) throw new JwksFetchError("the answer is not a JSON Web Key Set");
  return keys as Array<Record<string, unknown>>;
}

/** Options of the key store; times in milliseconds. */
export interface KeyStoreOptions {
  jwksUri: string;
  algorithms: readonly JwsAlg[];
  /** Deploy-time JWKS snapshot: keys usable before any network call. */
  snapshot?: { keys: Array<Record<string, unknown>> } | undefined;
  fetch?: typeof fetch | undefined;
  now: () => number;
  /** JWKS request timeout. Default 3000 ms. */
  timeoutMs?: number;
  /** Minimum interval between refetches triggered by an unknown `kid`. Default 30000 ms. */
  cooldownMs?: number;
  /** Age after which keys are refreshed in the background (removed keys drop out). Default 600000 ms. */
  maxAgeMs?: number;
  /** Reports key-import problems and fetch failures (operator log). */
  onProblem?: (reason: string, detail: string) => void;
}

/** Result of a key lookup. `unavailable` means the issuer could not be reached and no key matched. */
export type KeyLookup = { key: VerifyKey } | { error: "unknown_kid" | "alg_not_allowed_for_key" | "jwks_unavailable" };

/**
 * Keys of one issuer, cached per `kid`. Fetching is `fetchJwks` (timeout, redirect refusal, 200
 * only, JWKS shape); this store adds the snapshot seed, an alg binding per key, one rate-limited
 * refetch on an unknown `kid` (key rotation without a redeploy) and failing closed when the
 * issuer is unreachable.
 */
export class KeyStore {
  #byKid = new Map<string, VerifyKey>();
  #anonymous: VerifyKey[] = [];
  #loadedAt = -Infinity;
  #lastAttempt = -Infinity;
  #lastFailed = false;
  #inflight: Promise<void> | undefined;
  readonly #allowed: ReadonlySet<JwsAlg>;

  constructor(private readonly o: KeyStoreOptions) {
    this.#allowed = new Set(o.algorithms);
    if (o.snapshot) {
      this.#install(o.snapshot.keys);
      this.#loadedAt = o.now();
    }
  }

  /** Number of usable keys currently held. */
  get size(): number {
    return this.#byKid.size + this.#anonymous.length;
  }

  #install(keys: Array<Record<string, unknown>>): void {
    const byKid = new Map<string, VerifyKey>();
    const anonymous: VerifyKey[] = [];
    for (const jwk of keys) {
      const k = importVerifyKey(jwk, this.#allowed);
      if (typeof k === "string") {
        this.o.onProblem?.("jwks_key_skipped", `${String(jwk.kid ?? "(no kid)")}: ${k}`);
        continue;
      }
      if (k.kid === undefined) anonymous.push(k);
      else if (!byKid.has(k.kid)) byKid.set(k.kid, k);
    }
    this.#byKid = byKid;
    this.#anonymous = anonymous;
  }

  /** Fetches the JWKS now (deduplicated). Never throws; failures are reported and remembered. */
  refresh(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    this.#lastAttempt = this.o.now();
    // The Fetch API is touched only here: a cold start served from the snapshot never loads it.
    this.#inflight = fetchJwks(this.o.jwksUri, this.o.fetch ?? ((input, init) => globalThis.fetch(input, init)), this.o.timeoutMs ?? 3000)
      .then((keys) => {
        this.#install(keys);
        this.#loadedAt = this.o.now();
        this.#lastFailed = false;
      })
      .catch((e: unknown) => {
        this.#lastFailed = true;
        this.o.onProblem?.("jwks_unavailable", e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  /**
   * Synchronous lookup among the keys already held (the hot path). Keys older than `maxAgeMs` are
   * refreshed in the background (still used meanwhile), so a key removed from the JWKS drops out.
   */
  peek(kid: string | undefined, alg: JwsAlg): VerifyKey | undefined {
    if (this.o.now() - this.#loadedAt > (this.o.maxAgeMs ?? 600_000) && !this.#inflight && this.o.now() - this.#lastAttempt >= (this.o.cooldownMs ?? 30_000)) {
      void this.refresh();
    }
    const k = kid === undefined ? (this.#anonymous.length === 1 ? this.#anonymous[0] : undefined) : this.#byKid.get(kid);
    return k && k.algs.has(alg) ? k : undefined;
  }

  /**
   * The key for a token header. Refetches at most once per cooldown on an unknown `kid` and
   * refreshes stale keys in the background.
   */
  async get(kid: string | undefined, alg: JwsAlg): Promise<KeyLookup> {
    const now = this.o.now();
    let k = kid === undefined ? (this.#anonymous.length === 1 ? this.#anonymous[0] : undefined) : this.#byKid.get(kid);
    if (!k) {
      const never = this.#loadedAt === -Infinity;
      if (never || now - this.#lastAttempt >= (this.o.cooldownMs ?? 30_000)) await this.refresh();
      else if (this.#inflight) await this.#inflight;
      k = kid === undefined ? (this.#anonymous.length === 1 ? this.#anonymous[0] : undefined) : this.#byKid.get(kid);
      if (!k) return { error: this.#lastFailed ? "jwks_unavailable" : "unknown_kid" };
    }
    if (!k.algs.has(alg)) return { error: "alg_not_allowed_for_key" };
    return { key: k };
  }
}
