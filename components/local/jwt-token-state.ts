import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from "jose";
import type Provider from "oidc-provider";
import { readBodyText } from "./body.js";

/**
 * RFC 7662 introspection and RFC 7009 revocation for the JWT (RFC 9068) access tokens of the
 * local authorization server. oidc-provider keeps no state for structured tokens and refuses to
 * introspect or revoke them, so this module records every issued JWT access token (by `jti`, from
 * the provider's `*.issued` events) and answers those two endpoints for JWTs itself. Opaque tokens
 * (refresh tokens) still go to oidc-provider.
 */

interface Issued {
  clientId: string;
  grantId?: string;
  exp: number;
}

export interface JwtTokenStateOptions {
  provider: Provider;
  issuer: string;
  /** Public signing key (RS256). */
  publicJwk: JWK;
  /** The edge's introspection client: may introspect every token. */
  edgeClient: { id: string; secret: string };
  /** Clock, ms. */
  now?: () => number;
}

const MAX_BODY = 16 * 1024;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

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

/** RFC 6749 §2.3.1 client_secret_basic credentials, URL-decoded. */
function basicCredentials(req: IncomingMessage): { id: string; secret: string } | undefined {
  const h = req.headers.authorization ?? "";
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(h);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] ?? "", "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return undefined;
  try {
    return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
  } catch {
    return undefined;
  }
}

/** Records issued JWT access tokens; returns the handler for the two endpoints (false = not ours). */
export function createJwtTokenState(opts: JwtTokenStateOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { provider, issuer } = opts;
  const now = opts.now ?? Date.now;
  const issued = new Map<string, Issued>();
  const record = (t: { jti: string; clientId: string; grantId?: string; exp: number }) => {
    issued.set(t.jti, { clientId: t.clientId, ...(t.grantId ? { grantId: t.grantId } : {}), exp: t.exp });
    const nowSec = now() / 1000;
    if (issued.size > 10_000) for (const [k, v] of issued) if (v.exp < nowSec) issued.delete(k);
  };
  // oidc-provider emits "<model>.issued" for tokens it does not store (structured formats).
  const on = provider.on.bind(provider) as (event: string, listener: (t: { jti: string; clientId: string; grantId?: string; exp: number }) => void) => void;
  on("access_token.issued", record);
  on("client_credentials.issued", record);
  const keyPromise = importJWK(opts.publicJwk, "RS256");

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

  /** The token's claims when it is one of ours, unexpired, unrevoked and its grant still exists. */
  async function activeClaims(token: string): Promise<Record<string, unknown> | undefined> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, await keyPromise, { issuer, typ: "at+jwt", currentDate: new Date(now()) }));
    } catch {
      return undefined;
    }
    const jti = typeof payload["jti"] === "string" ? payload["jti"] : "";
    const state = issued.get(jti);
    if (!state || state.exp * 1000 <= now()) return undefined;
    if (state.grantId && !(await provider.Grant.find(state.grantId))) return undefined;
    return payload;
  }

  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "POST" || (path !== "/token/introspection" && path !== "/token/revocation")) return false;
    const form = await readForm(req);
    const token = form.get("token") ?? "";
    if (!isJwt(token)) return false; // opaque tokens: oidc-provider answers (req.body is set)
    const who = await caller(req, form);
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
    if (claims) issued.delete(String(claims["jti"]));
    res.writeHead(200, { "cache-control": "no-store" });
    res.end();
    return true;
  };
}
