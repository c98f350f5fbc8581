import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from "jose";
import type Provider from "oidc-provider";
import { readBodyText } from "./body.js";
import { basicCredentials, sameSecret } from "./client-auth.js";
import type { Revoker } from "./revocation.js";

/**
 * RFC 7662 introspection and RFC 7009 revocation for the front's JWT (RFC 9068) access tokens and
 * refresh tokens. oidc-provider keeps no state for structured tokens and refuses to introspect or
 * revoke them; the front answers for them from the grant they belong to (`gid` claim) and the
 * revocation records. Revoking a token revokes its grant (RFC 7009 §2.1: the access and refresh
 * tokens of the same grant go together), and the edge learns of it from the revocation list.
 * Other opaque tokens still go to oidc-provider.
 */

export interface JwtTokenStateOptions {
  provider: Provider;
  issuer: string;
  /** Public signing key (RS256). */
  publicJwk: JWK;
  /** The edge's client: may introspect every token. */
  edgeClient: { id: string; secret: string };
  revoker: Revoker;
  /** Clock, ms. */
  now?: () => number;
}

const MAX_BODY = 16 * 1024;

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", pragma: "no-cache", ...extra });
  res.end(JSON.stringify(body));
}

/** Reads a form body and leaves it on `req.body` for oidc-provider when we do not answer. */
async function readForm(req: IncomingMessage & { body?: unknown }): Promise<URLSearchParams> {
  const params = new URLSearchParams(await readBodyText(req, MAX_BODY, "request body"));
  req.body = Object.fromEntries(params);
  return params;
}

function isJwt(token: string): boolean {
  try {
    return !!decodeProtectedHeader(token);
  } catch {
    return false;
  }
}

/** Returns the handler for the two endpoints (false = not ours: oidc-provider answers). */
export function createJwtTokenState(opts: JwtTokenStateOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { provider, issuer } = opts;
  const now = opts.now ?? Date.now;
  // Imported once, on the first introspection or revocation (not at start: a cold start that
  // answers something else need not load WebCrypto for it).
  let keyPromise: ReturnType<typeof importJWK> | undefined;
  const verificationKey = () => (keyPromise ??= importJWK(opts.publicJwk, "RS256"));

  /** Who is calling: the edge, or a client identified by ID (public) or by secret (confidential). */
  async function caller(req: IncomingMessage, form: URLSearchParams): Promise<{ id: string; edge: boolean } | undefined> {
    const basic = basicCredentials(req);
    if (basic) {
      if (basic.id === opts.edgeClient.id) return sameSecret(basic.secret, opts.edgeClient.secret) ? { id: basic.id, edge: true } : undefined;
      const client = await provider.Client.find(basic.id);
      const secret = client?.clientSecret as string | undefined;
      return client && secret && sameSecret(basic.secret, secret) ? { id: basic.id, edge: false } : undefined;
    }
    const id = form.get("client_id");
    if (!id) return undefined;
    const client = await provider.Client.find(id);
    return client && client.clientAuthMethod === "none" ? { id, edge: false } : undefined;
  }

  /** The token's claims when it is one of ours, unexpired, its grant alive and not revoked. */
  async function activeClaims(token: string): Promise<Record<string, unknown> | undefined> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, await verificationKey(), { issuer, typ: "at+jwt", currentDate: new Date(now()) }));
    } catch {
      return undefined;
    }
    const gid = typeof payload["gid"] === "string" ? payload["gid"] : undefined;
    const sub = typeof payload["sub"] === "string" ? payload["sub"] : undefined;
    const clientId = typeof payload["client_id"] === "string" ? payload["client_id"] : undefined;
    // The grant and the revocation records are independent reads: one round trip, not two.
    const [grant, revoked] = await Promise.all([gid ? provider.Grant.find(gid) : true, opts.revoker.check({ sub, clientId, grantId: gid, iat: Number(payload["iat"]) })]);
    if (!grant || revoked) return undefined;
    return payload;
  }

  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "POST" || (path !== "/token/introspection" && path !== "/token/revocation")) return false;
    const form = await readForm(req);
    const token = form.get("token") ?? "";
    const jwt = isJwt(token);
    if (!jwt && path === "/token/introspection") return false; // opaque tokens: oidc-provider answers (req.body is set)
    const who = await caller(req, form);
    if (!jwt) {
      // RFC 7009 for a refresh token: the whole grant goes, and the edge is told.
      const rt = who && !who.edge ? await provider.RefreshToken.find(token) : undefined;
      if (!rt || rt.clientId !== who?.id || !rt.grantId) return false;
      await opts.revoker.grant(rt.grantId, "client");
      res.writeHead(200, { "cache-control": "no-store" });
      res.end();
      return true;
    }
    if (!who) {
      json(res, 401, { error: "invalid_client", error_description: "client authentication failed (JWT access tokens: client_secret_basic or a public client_id)" }, { "www-authenticate": 'Basic realm="token"' });
      return true;
    }
    const claims = await activeClaims(token);
    if (path === "/token/introspection") {
      // RFC 7662 §2.2: inactive (or not the caller's) → only {"active": false}.
      if (!claims || (!who.edge && claims["client_id"] !== who.id)) json(res, 200, { active: false });
      else json(res, 200, { active: true, token_type: "Bearer", iss: claims["iss"], sub: claims["sub"], aud: claims["aud"], client_id: claims["client_id"], scope: claims["scope"], exp: claims["exp"], iat: claims["iat"], jti: claims["jti"] });
      return true;
    }
    // RFC 7009 §2.1/§2.2: only the client the token was issued to may revoke it; invalid tokens → 200.
    if (claims && claims["client_id"] !== who.id) {
      json(res, 400, { error: "invalid_request", error_description: "the token was not issued to this client" });
      return true;
    }
    if (claims) {
      // A user's token revokes its grant; a client-credentials token (no grant) revokes the agent's tokens.
      if (typeof claims["gid"] === "string") await opts.revoker.grant(claims["gid"], "client");
      else await opts.revoker.client(who.id, "client");
    }
    res.writeHead(200, { "cache-control": "no-store" });
    res.end();
    return true;
  };
}
