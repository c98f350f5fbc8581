import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { readBodyText } from "../front/body.js";
import { createMemoryStore } from "../front/store/memory.js";
import { errorPage, loginPage } from "../front/pages.js";
import type { McpAuthPlan } from "../plan/schema.js";

/**
 * The embedded upstream IdP of the local stack: a second oidc-provider standing in for Okta, Auth0
 * or Entra. Its users are the plan's dev users; each reports the `idpGroup` of its plan groups in a
 * `groups` claim, as a real IdP reports group names. Its clients: the front (confidential, PKCE) and
 * the local audit surface (public loopback client, PKCE; see {@link AUDIT_SURFACE_CLIENT_ID}). It signs
 * a user in without a password (development only) and never asks for consent.
 */

/**
 * The local audit surface's client at the embedded IdP: a public client (PKCE, no secret to hand
 * around) of application type `native`, so its loopback redirect URIs match on any port (RFC 8252
 * §7.3): the surface's port is only known once it listens.
 */
export const AUDIT_SURFACE_CLIENT_ID = "mcp-audit-surface";
/** The path the local stack mounts the audit surface at; its callback is `<path>/callback`. */
export const AUDIT_SURFACE_PATH = "/audit";
const AUDIT_SURFACE_REDIRECT_URIS = ["127.0.0.1", "localhost", "[::1]"].map((h) => `http://${h}${AUDIT_SURFACE_PATH}/callback`);

export interface UpstreamIdpOptions {
  plan: McpAuthPlan;
  /** The issuer URL this provider answers on, e.g. `http://127.0.0.1:9400/upstream`. */
  issuer: string;
  /** The front's callback URL (its only redirect URI). */
  redirectUri: string;
  /** Dev user signed in without showing the login page (loopback only; checked by the caller). */
  autoSignIn?: string;
  log?: (line: string) => void;
}

export interface UpstreamIdp {
  issuer: string;
  client: { clientId: string; clientSecret: string };
  /** Request listener for paths under the issuer's path. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/** Cookie names distinct from the front's: both run on the same host in the local stack. */
const COOKIE_NAMES = { session: "_upstream_session", interaction: "_upstream_interaction", resume: "_upstream_interaction_resume" };

function sameToken(a: string | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function createUpstreamIdp(opts: UpstreamIdpOptions): Promise<UpstreamIdp> {
  const { plan } = opts;
  const users = new Map(plan.dev.users.map((u) => [u.username, u]));
  if (opts.autoSignIn !== undefined && !users.has(opts.autoSignIn)) {
    throw new Error(`auto-approve user '${opts.autoSignIn}' is not a seeded dev user; known: ${[...users.keys()].join(", ") || "(none: declare dev.users)"}`);
  }
  const idpGroups = new Map(plan.groups.map((g) => [g.name, g.idpGroup]));
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const client = { clientId: "mcp-auth-front", clientSecret: randomBytes(32).toString("base64url") };
  const csrf = new Map<string, string>();
  const memory = createMemoryStore();
  const configuration: Configuration = {
    adapter: (name: string) => memory.adapter(name),
    clients: [
      { client_id: client.clientId, client_secret: client.clientSecret, redirect_uris: [opts.redirectUri], grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: "client_secret_basic" },
      { client_id: AUDIT_SURFACE_CLIENT_ID, application_type: "native", redirect_uris: AUDIT_SURFACE_REDIRECT_URIS, grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: "none" },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: randomBytes(6).toString("hex"), alg: "RS256", use: "sig" }] } as Configuration["jwks"],
    cookies: { keys: [randomBytes(32).toString("base64url")], names: COOKIE_NAMES } as Configuration["cookies"],
    pkce: { required: () => true },
    scopes: ["openid", "profile", "email", "groups"],
    claims: { openid: ["sub"], profile: ["name", "preferred_username"], email: ["email"], groups: ["groups"] },
    // Claims in the ID token itself, as Okta/Entra can be configured to do.
    conformIdTokenClaims: false,
    async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
      const u = users.get(sub);
      if (!u) return undefined;
      return { accountId: sub, claims: async () => ({ sub, name: u.name, preferred_username: u.username, email: u.email, groups: u.groups.map((g) => idpGroups.get(g) ?? g) }) };
    },
    interactions: { url: async (_ctx: KoaContextWithOIDC, i: { uid: string }) => `${new URL(opts.issuer).pathname.replace(/\/$/, "")}/interaction/${i.uid}` },
    features: { devInteractions: { enabled: false }, userinfo: { enabled: true } } as Configuration["features"],
    ttl: { Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600, AuthorizationCode: 60, AccessToken: 300, IdToken: 300 } as Configuration["ttl"],
  };
  const provider = new Provider(opts.issuer, configuration);
  provider.on("server_error", (_ctx: unknown, err: Error) => opts.log?.(`upstream IdP error: ${err.message}`));
  const base = new URL(opts.issuer).pathname.replace(/\/$/, "");
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error("interaction mismatch");
    const send = (status: number, html: string) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-frame-options": "DENY", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" });
      res.end(html);
    };
    if (details.prompt.name === "consent") {
      // The front and the audit surface are first-party clients of this IdP: their OpenID scopes are granted without a page.
      const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params["client_id"]) });
      grant.addOIDCScope(String(details.params["scope"] ?? "openid"));
      return void (await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true }));
    }
    if (opts.autoSignIn !== undefined) {
      opts.log?.(`auto-approve: signed in '${opts.autoSignIn}' at the embedded IdP`);
      return void (await provider.interactionFinished(req, res, { login: { accountId: opts.autoSignIn, amr: ["auto-approve"] } }, { mergeWithLastSubmission: false }));
    }
    const token = csrf.get(uid) ?? randomBytes(24).toString("base64url");
    csrf.set(uid, token);
    if (csrf.size > 1000) csrf.delete(csrf.keys().next().value!);
    const here = `${base}/interaction/${encodeURIComponent(uid)}`;
    if (req.method === "POST") {
      const form = new URLSearchParams(await readBodyText(req, 16 * 1024, "form body"));
      if (!sameToken(form.get("csrf"), token)) return send(403, errorPage("Request refused", "The form's CSRF token is missing or wrong. Reload the page and try again."));
      csrf.delete(uid);
      if (action === "abort") return void (await provider.interactionFinished(req, res, { error: "access_denied", error_description: "the user cancelled the sign-in" }, { mergeWithLastSubmission: false }));
      const username = form.get("username") ?? "";
      if (!users.has(username)) return send(400, errorPage("Unknown user", `'${username}' is not a seeded dev user.`));
      return void (await provider.interactionFinished(req, res, { login: { accountId: username, amr: ["dev"] } }, { mergeWithLastSubmission: false }));
    }
    const surface = details.params["client_id"] === AUDIT_SURFACE_CLIENT_ID;
    const view = surface
      ? { clientId: AUDIT_SURFACE_CLIENT_ID, name: "pulumi-mcp-auth audit surface", tier: "first-party", redirectHost: new URL(String(details.params["redirect_uri"])).host }
      : { clientId: client.clientId, name: "pulumi-mcp-auth authorization front", tier: "first-party", redirectHost: new URL(opts.redirectUri).host };
    return send(200, loginPage(`${here}/login`, `${here}/abort`, token, view, plan.dev.users));
  }

  return {
    issuer: opts.issuer,
    client,
    handle(req, res) {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const m = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}/interaction/([A-Za-z0-9_-]{1,64})(?:/(login|abort))?$`).exec(path);
      if (!m) return void callback(req, res);
      interaction(req, res, m[1]!, m[2]).catch((err: Error) => {
        const expired = err.name === "SessionNotFound";
        if (!res.headersSent) res.writeHead(expired ? 400 : 500, { "content-type": "text/html; charset=utf-8" });
        res.end(errorPage("Sign-in failed", expired ? "This sign-in has expired or its cookie is missing. Start again from the client." : err.message));
      });
    },
  };
}
