import type { IncomingMessage, ServerResponse } from "node:http";
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JSONWebKeySet, type JWK } from "jose";
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

/** RFC 6749 §5.2 `invalid_client`: the caller could not be authenticated. */
function refuse(res: ServerResponse): void {
  json(res, 401, { error: "invalid_client", error_description: "client authentication failed (JWT access tokens: client_secret_basic, client_secret_post, private_key_jwt or a public client_id)" }, { "www-authenticate": 'Basic realm="token"' });
}

/** Returns the handler for the two endpoints (false = not ours: oidc-provider answers). */
export function createJwtTokenState(opts: JwtTokenStateOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { provider, issuer } = opts;
  const now = opts.now ?? Date.now;
  // Imported once, on the first introspection or revocation (not at start: a cold start that
  // answers something else need not load WebCrypto for it).
  let keyPromise: ReturnType<typeof importJWK> | undefined;
  const verificationKey = () => (keyPromise ??= importJWK(opts.publicJwk, "RS256"));

  /** An authenticated caller; `assertion`: the client assertion's `jti` and `exp`, not yet marked used. */
  type Caller = { id: string; edge: boolean; assertion?: { jti: string; exp: number } };

  /** Marks the caller's client assertion used; false when it was used before (a replay). */
  async function fresh(who: Caller): Promise<boolean> {
    return who.assertion === undefined || (await provider.ReplayDetection.unique(who.id, who.assertion.jti, who.assertion.exp + 15));
  }

  /** Key sets of `jwks_uri` clients, one per URI (fetched and cached by jose). */
  const remoteKeySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  /**
   * RFC 7523 §3 / RFC 7521 §4.2 `private_key_jwt`: a client assertion signed with one of the
   * client's registered keys, `iss` = `sub` = its client ID, `aud` the issuer or an endpoint of the
   * front, an `exp` and a `jti` used once (oidc-provider's replay store, as at the token endpoint;
   * consumed by {@link fresh} only when the front answers the request itself).
   */
  async function assertedClient(form: URLSearchParams, path: string): Promise<Caller | undefined> {
    const assertion = form.get("client_assertion") ?? "";
    if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") return undefined;
    let claimed: string | undefined;
    try {
      claimed = decodeJwt(assertion).iss;
    } catch {
      return undefined;
    }
    const id = form.get("client_id") ?? claimed;
    if (!id || id !== claimed) return undefined;
    const client = await provider.Client.find(id);
    if (!client || client.clientAuthMethod !== "private_key_jwt") return undefined;
    const jwksUri = client.jwksUri as string | undefined;
    const jwks = client.jwks as JSONWebKeySet | undefined;
    let keys: ReturnType<typeof createRemoteJWKSet> | ReturnType<typeof createLocalJWKSet>;
    if (jwks?.keys?.length) keys = createLocalJWKSet(jwks);
    else if (jwksUri) {
      let remote = remoteKeySets.get(jwksUri);
      if (!remote) remoteKeySets.set(jwksUri, (remote = createRemoteJWKSet(new URL(jwksUri))));
      keys = remote;
    } else return undefined;
    try {
      const { payload } = await jwtVerify(assertion, keys, {
        issuer: id,
        subject: id,
        audience: [issuer, `${issuer}/token`, `${issuer}${path}`],
        algorithms: ["RS256", "PS256", "ES256", "EdDSA"],
        requiredClaims: ["exp", "jti"],
        currentDate: new Date(now()),
        clockTolerance: 15,
      });
      return { id, edge: false, assertion: { jti: String(payload.jti), exp: Number(payload.exp) } };
    } catch {
      return undefined;
    }
  }

  /**
   * Who is calling: the edge, or a client authenticated as it registered (RFC 6749 §2.3): a public
   * client by `client_id`, a confidential one by `client_secret_basic`, `client_secret_post` or
   * `private_key_jwt`.
   */
  async function caller(req: IncomingMessage, form: URLSearchParams, path: string): Promise<Caller | undefined> {
    const basic = basicCredentials(req);
    if (basic) {
      if (basic.id === opts.edgeClient.id) return sameSecret(basic.secret, opts.edgeClient.secret) ? { id: basic.id, edge: true } : undefined;
      const client = await provider.Client.find(basic.id);
      const secret = client?.clientSecret as string | undefined;
      return client && secret && sameSecret(basic.secret, secret) ? { id: basic.id, edge: false } : undefined;
    }
    if (form.has("client_assertion")) return assertedClient(form, path);
    const id = form.get("client_id");
    if (!id) return undefined;
    const postedSecret = form.get("client_secret");
    if (postedSecret !== null) {
      if (id === opts.edgeClient.id) return undefined; // the edge authenticates with client_secret_basic only
      const client = await provider.Client.find(id);
      const secret = client?.clientSecret as string | undefined;
      return client && secret && sameSecret(postedSecret, secret) ? { id, edge: false } : undefined;
    }
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
    const who = await caller(req, form, path);
    if (!jwt) {
      // RFC 7009 for a refresh token: the whole grant goes, and the edge is told.
      const rt = who && !who.edge ? await provider.RefreshToken.find(token) : undefined;
      if (!who || !rt || rt.clientId !== who.id || !rt.grantId) return false;
      if (await fresh(who)) await opts.revoker.grant(rt.grantId, "client");
      else {
        refuse(res);
        return true;
      }
      res.writeHead(200, { "cache-control": "no-store" });
      res.end();
      return true;
    }
    if (!who || !(await fresh(who))) {
      refuse(res);
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
