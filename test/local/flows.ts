/** Plain-HTTP OAuth flows against the local authorization server (no SDK), for focused tests. */
import { createHash, randomBytes } from "node:crypto";
import { importJWK, SignJWT, type JWK } from "jose";
import type { DevStack } from "../../components/local/dev-stack.js";
import { Browser, type PageChoices } from "./browser.js";

export interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  scope?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

/** RFC 7591 registration of a public loopback client; returns the response (status + body). */
export async function register(issuer: string, metadata: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${issuer}/reg`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(metadata) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function registerPublic(issuer: string, redirectUri: string): Promise<string> {
  const r = await register(issuer, { client_name: "test", redirect_uris: [redirectUri], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" });
  if (r.status !== 201) throw new Error(`registration failed: ${JSON.stringify(r.body)}`);
  return r.body["client_id"] as string;
}

export async function tokenRequest(issuer: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: TokenResponse }> {
  const res = await fetch(`${issuer}/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(params).toString() });
  return { status: res.status, body: (await res.json()) as TokenResponse };
}

/** Authorization code + PKCE (S256) + `resource`, driven through the pages by `browser`. */
export async function codeFlow(
  stack: DevStack,
  opts: { clientId: string; redirectUri: string; resource: string; scope: string; browser?: Browser } & PageChoices,
): Promise<{ callback: URL; token: TokenResponse; browser: Browser }> {
  const issuer = stack.authorizationServer.issuer;
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = randomBytes(8).toString("hex");
  const url = new URL(`${issuer}/auth`);
  for (const [k, v] of Object.entries({ response_type: "code", client_id: opts.clientId, redirect_uri: opts.redirectUri, scope: opts.scope, resource: opts.resource, code_challenge: challenge, code_challenge_method: "S256", state })) url.searchParams.set(k, v);
  const browser = opts.browser ?? new Browser();
  const callback = await browser.authorize(url.href, opts.redirectUri, opts);
  const code = callback.searchParams.get("code");
  if (!code) return { callback, token: { error: callback.searchParams.get("error") ?? "no_code" }, browser };
  const { body } = await tokenRequest(issuer, { grant_type: "authorization_code", code, redirect_uri: opts.redirectUri, code_verifier: verifier, client_id: opts.clientId, resource: opts.resource });
  return { callback, token: body, browser };
}

/** client_credentials with an RFC 7523 private_key_jwt client assertion. */
export async function clientCredentials(issuer: string, clientId: string, privateJwk: JWK, params: Record<string, string>): Promise<{ status: number; body: TokenResponse }> {
  const key = await importJWK(privateJwk, privateJwk.alg ?? "ES256");
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: privateJwk.alg ?? "ES256", kid: privateJwk.kid ?? "" })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(issuer)
    .setJti(randomBytes(8).toString("hex"))
    .setIssuedAt()
    .setExpirationTime("1m")
    .sign(key);
  return tokenRequest(issuer, {
    grant_type: "client_credentials",
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: assertion,
    ...params,
  });
}

/** One JSON-RPC request to an MCP URL through the edge (stateless; no initialize needed). */
export async function mcpCall(url: string, token: string | undefined, method: string, params: Record<string, unknown> = {}): Promise<{ status: number; challenge: string | null; body: string }> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" };
  if (token) headers["authorization"] = `Bearer ${token}`;
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return { status: res.status, challenge: res.headers.get("www-authenticate"), body: await res.text() };
}

/**
 * The first authorization of a client for a server ("install"): the server's mandatory scopes only.
 * High and critical scopes are never granted at install; tests that need them install first.
 */
export async function install(stack: DevStack, opts: { clientId: string; redirectUri: string; resource: string; browser?: Browser } & PageChoices): Promise<Browser> {
  const server = stack.plan.servers.find((s) => s.resource === opts.resource);
  if (!server) throw new Error(`no server ${opts.resource}`);
  const { browser, token } = await codeFlow(stack, { ...opts, scope: server.consent.mandatory.join(" ") });
  if (!token.access_token) throw new Error(`install failed: ${JSON.stringify(token)}`);
  return browser;
}
