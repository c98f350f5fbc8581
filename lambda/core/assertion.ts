import type { JsonWebKey, KeyObject } from "node:crypto";
import { nodeCrypto } from "./node.js";

const { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign } = nodeCrypto;

/**
 * The identity assertion the edge hands the upstream MCP server instead of the client's token
 * (MCP: "MUST NOT pass through the token it received", RS-17). A short-lived JWS (RFC 7519) signed
 * by the edge, audience = the upstream URL, carrying who asked and with what.
 */
export interface AssertionSigner {
  /** Public JWKS the upstream verifies with (served at `/.well-known/mcp-edge-jwks.json`). */
  readonly jwks: { keys: JsonWebKey[] };
  readonly ephemeral: boolean;
  sign(claims: Record<string, unknown>, nowSec: number, lifetimeSeconds: number): string;
}

/** Header the upstream reads the assertion from. */
export const ASSERTION_HEADER = "mcp-edge-assertion";

function algFor(key: KeyObject): { alg: string; hash: string | null; dsa?: "ieee-p1363" } {
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
 * A signer from a private JWK / KeyObject, or (when none is given) a fresh ES256 key pair held in
 * memory — fine for `dev` and tests, but an upstream must then fetch the edge JWKS again after
 * every restart, so deployments pass a stable key (`MCP_EDGE_ASSERTION_KEY`).
 */
export function createAssertionSigner(key?: JsonWebKey | KeyObject): AssertionSigner {
  let priv: KeyObject;
  let ephemeral = false;
  if (!key) {
    priv = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    ephemeral = true;
  } else if ("type" in key && typeof (key as KeyObject).export === "function") {
    priv = key as KeyObject;
  } else {
    priv = createPrivateKey({ key: key as JsonWebKey, format: "jwk" });
  }
  if (priv.type !== "private") throw new Error("assertionKey must be a private key");
  const { alg, hash, dsa } = algFor(priv);
  const pub = createPublicKey(priv).export({ format: "jwk" });
  const kid = (key && !("export" in key) && typeof (key as JsonWebKey).kid === "string" ? (key as JsonWebKey).kid : undefined) ?? `edge-${randomUUID().slice(0, 8)}`;
  const jwk = { ...pub, kid, alg, use: "sig" };
  const header = b64({ alg, kid, typ: "mcp-edge+jwt" });
  return {
    jwks: { keys: [jwk] },
    ephemeral,
    sign(claims, nowSec, lifetimeSeconds) {
      const body = `${header}.${b64({ ...claims, iat: nowSec, exp: nowSec + lifetimeSeconds, jti: randomUUID() })}`;
      const sig = sign(hash, Buffer.from(body), dsa ? { key: priv, dsaEncoding: dsa } : priv);
      return `${body}.${sig.toString("base64url")}`;
    },
  };
}
