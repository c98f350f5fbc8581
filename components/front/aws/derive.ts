import { hkdfSync } from "node:crypto";

/**
 * Secrets the front's AWS home derives from its signing key instead of storing more of them: the
 * cookie keys and the edge client's secret (introspection and revocation list). The deploy
 * (`McpAuthFront`, to hand the edge its secret) and the Lambda compute the same values; rotating
 * the signing key rotates them all.
 */

/** Client ID of the edge at the front (RFC 7662 introspection, revocation list). */
export const FRONT_EDGE_CLIENT_ID = "mcp-auth-edge";

/** JWK members that are private (RFC 7517/7518): never published. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

export interface SigningJwk {
  kty: string;
  kid: string;
  alg: string;
  d: string;
  [member: string]: unknown;
}

/** Why `value` is not a usable private signing JWK, or undefined. */
export function signingKeyProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "must be a JSON object (a private JWK)";
  const k = value as Record<string, unknown>;
  if (typeof k["kty"] !== "string" || !["RSA", "EC", "OKP"].includes(k["kty"])) return "kty must be RSA, EC or OKP";
  if (typeof k["d"] !== "string" || k["d"].length === 0) return "must be a private key (member 'd' missing)";
  if (typeof k["kid"] !== "string" || k["kid"].length === 0) return "needs a 'kid'";
  // The front signs with RS256 (every MCP client and IdP library verifies it).
  if (k["alg"] !== "RS256" || k["kty"] !== "RSA") return "must be an RSA key with alg RS256";
  return undefined;
}

/** Parses and checks a private signing JWK given as JSON text. @throws naming the problem and the fix */
export function parseSigningKey(text: string, field = "signingKey"): SigningJwk {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${field} is not JSON; pass the private JWK as JSON text (e.g. from \`pulumi config set --secret\`)`);
  }
  const problem = signingKeyProblem(value);
  if (problem) throw new Error(`${field} ${problem}`);
  return value as SigningJwk;
}

/** The public half of a JWK, with `use: "sig"`. */
export function publicJwk(jwk: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...jwk, use: "sig" };
  for (const m of PRIVATE_MEMBERS) delete out[m];
  return out;
}

/** A 32-byte secret derived from the signing key (HKDF-SHA256, RFC 5869) for one purpose, base64url. */
export function deriveSecret(jwk: SigningJwk, purpose: "cookies" | "edge-client"): string {
  const ikm = Buffer.from(jwk.d, "base64url");
  return Buffer.from(hkdfSync("sha256", ikm, Buffer.from(`pulumi-mcp-auth front ${jwk.kid}`), Buffer.from(purpose), 32)).toString("base64url");
}
