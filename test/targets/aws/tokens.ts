import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { ISSUER } from "./fixtures.js";

/** An ES256 issuer key pair and a signer for access tokens (the IdP stand-in of these tests). */
export interface TestIssuer {
  jwks: { keys: Array<{ kty: string; [k: string]: unknown }> };
  /** Signs an access token for `aud`; `overrides` replace claims, `iatOffset`/`ttl` in seconds. */
  token(claims: Record<string, unknown>, opts?: { aud?: string; iatOffset?: number; ttl?: number; nowSec?: number }): Promise<string>;
}

export async function testIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key-1", alg: "ES256", use: "sig" } as { kty: string; [k: string]: unknown };
  return {
    jwks: { keys: [jwk] },
    async token(claims, opts = {}) {
      const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
      const iat = now + (opts.iatOffset ?? 0);
      return new SignJWT({ client_id: "claude-code", ...claims })
        .setProtectedHeader({ alg: "ES256", kid: "test-key-1", typ: "at+jwt" })
        .setIssuer(ISSUER)
        .setAudience(opts.aud ?? "https://mcp.example.com/crm")
        .setIssuedAt(iat)
        .setExpirationTime(iat + (opts.ttl ?? 300))
        .sign(privateKey as CryptoKey);
    },
  };
}
