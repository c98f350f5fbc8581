import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as oidc from "openid-client";

/**
 * Sign-in for the audit surface: OpenID Connect authorization code + PKCE at the organisation's IdP
 * (RFC 6749, RFC 7636, OIDC Core §3.1), and a signed, short-lived session cookie. Nothing of the IdP's
 * tokens is kept: the session holds the user, their groups and tenant, and an expiry.
 */

export interface SignInOptions {
  /** OIDC issuer of the IdP (the same IdP the front or the MCP servers trust). */
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** The surface's callback URL, registered at the IdP: `<surface URL>/callback`. */
  redirectUri: string;
  /** ID-token claim holding the user's groups (default `groups`). */
  groupsClaim?: string;
  /** ID-token claim holding the user's tenant, when records carry tenants. */
  tenantClaim?: string;
  /** Scopes requested (default `openid profile email groups`, without `groups` when the IdP lacks it). */
  scopes?: string[];
  /** Permit an `http:` issuer on loopback (local stack and tests only). */
  allowInsecureLoopback?: boolean;
}

export interface Principal {
  sub: string;
  name: string;
  groups: string[];
  tenant?: string;
}

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  exp: number;
}

const SESSION_SECONDS = 8 * 3600;
const PENDING_SECONDS = 600;

/** HMAC-signed cookie values: `base64url(json).base64url(hmac)`. */
export class CookieSigner {
  constructor(private readonly key: Buffer = randomBytes(32)) {}
  seal(value: object): string {
    const body = Buffer.from(JSON.stringify(value)).toString("base64url");
    return `${body}.${createHmac("sha256", this.key).update(body).digest("base64url")}`;
  }
  open<T extends { exp: number }>(sealed: string | undefined, nowSeconds: number): T | undefined {
    if (!sealed) return undefined;
    const dot = sealed.indexOf(".");
    if (dot < 1) return undefined;
    const body = sealed.slice(0, dot);
    const mac = Buffer.from(sealed.slice(dot + 1), "base64url");
    const want = createHmac("sha256", this.key).update(body).digest();
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
    try {
      const v = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as T;
      return typeof v.exp === "number" && v.exp > nowSeconds ? v : undefined;
    } catch {
      return undefined;
    }
  }
}

function isLoopbackUrl(u: URL): boolean {
  return ["127.0.0.1", "[::1]", "localhost"].includes(u.hostname);
}

export interface SignIn {
  /** Where to send the browser, and the sealed pending state to set as a cookie. */
  begin(returnTo: string, nowSeconds: number): Promise<{ url: string; pending: string }>;
  /** Completes the code exchange; throws with a message fit for the user (never a token). */
  complete(callbackUrl: URL, pending: string | undefined, nowSeconds: number): Promise<{ principal: Principal; returnTo: string }>;
}

export function createSignIn(opts: SignInOptions, signer: CookieSigner): SignIn {
  const issuer = new URL(opts.issuer);
  if (issuer.protocol !== "https:" && !(opts.allowInsecureLoopback && isLoopbackUrl(issuer))) {
    throw new Error(`audit surface: issuer '${opts.issuer}' must use https (http only on loopback with allowInsecureLoopback)`);
  }
  let config: Promise<oidc.Configuration> | undefined;
  const configuration = (): Promise<oidc.Configuration> => {
    config ??= oidc
      .discovery(issuer, opts.clientId, opts.clientSecret, opts.clientSecret ? oidc.ClientSecretPost(opts.clientSecret) : oidc.None(), issuer.protocol === "http:" ? { execute: [oidc.allowInsecureRequests] } : undefined)
      .catch((err: unknown) => {
        config = undefined;
        throw err;
      });
    return config;
  };
  const groupsClaim = opts.groupsClaim ?? "groups";

  return {
    async begin(returnTo, now) {
      const cfg = await configuration();
      const verifier = oidc.randomPKCECodeVerifier();
      const p: Pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier, returnTo, exp: now + PENDING_SECONDS };
      const url = oidc.buildAuthorizationUrl(cfg, {
        redirect_uri: opts.redirectUri,
        scope: (opts.scopes ?? ["openid", "profile", "email", "groups"]).join(" "),
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state: p.state,
        nonce: p.nonce,
      });
      return { url: url.href, pending: signer.seal(p) };
    },
    async complete(callbackUrl, sealed, now) {
      const p = signer.open<Pending>(sealed, now);
      if (!p) throw new Error("the sign-in took too long or was started in another browser; sign in again");
      const cfg = await configuration();
      const tokens = await oidc.authorizationCodeGrant(cfg, callbackUrl, { pkceCodeVerifier: p.verifier, expectedState: p.state, expectedNonce: p.nonce, idTokenExpected: true });
      const claims = tokens.claims();
      if (!claims) throw new Error("the identity provider returned no ID token");
      let source: Record<string, unknown> = claims;
      // Some IdPs put groups (or the tenant) only in UserInfo for the code flow (OIDC Core §5.4).
      if (claims[groupsClaim] === undefined || (opts.tenantClaim && claims[opts.tenantClaim] === undefined)) {
        source = { ...(await oidc.fetchUserInfo(cfg, tokens.access_token, claims.sub)), ...claims };
      }
      const groups = source[groupsClaim];
      const tenant = opts.tenantClaim ? source[opts.tenantClaim] : undefined;
      const principal: Principal = {
        sub: claims.sub,
        name: typeof claims["email"] === "string" ? claims["email"] : typeof claims["name"] === "string" ? claims["name"] : claims.sub,
        groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === "string") : [],
        ...(typeof tenant === "string" ? { tenant } : {}),
      };
      return { principal, returnTo: p.returnTo };
    },
  };
}

export const SESSION_TTL_SECONDS = SESSION_SECONDS;
