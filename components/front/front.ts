import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JWK } from "jose";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";
import { z } from "zod";
import type { McpAuthPlan } from "../plan/schema.js";
import { readBodyText } from "./body.js";
import { createFederation, FederationError, FEDERATION_CALLBACK_PATH, signInFailedLine, type UpstreamConfig } from "./federation.js";
import { createGrantsPage, GRANTS_PATH } from "./grants-page.js";
import { createInteractionHandler, FEDERATED_RESULT_MODEL } from "./interactions.js";
import { createJwtTokenState } from "./jwt-token-state.js";
import { errorPage } from "./pages.js";
import { canonicalResource } from "./policy.js";
import { providerConfiguration, type ClientCredentialInput } from "./provider-config.js";
import { createCimdResolver, type CimdOptions } from "./registration/cimd.js";
import type { DcrDenyList } from "./registration/dcr.js";
import { createRegistrationEndpoint } from "./registration/endpoint.js";
import { createRevoker, REVOCATIONS_PATH, serveRevocations, type Revoker } from "./revocation.js";
import type { FrontStore } from "./store/types.js";

export type { UpstreamConfig } from "./federation.js";
export { signInFailedLine } from "./federation.js";

/**
 * The authorization front: a spec-exact MCP authorization server (oidc-provider 9) compiled from
 * the plan, federating sign-in to the organisation's IdP. One core, two homes: loopback
 * (components/local, `npm start`) and AWS (Lambda + DynamoDB). It only needs a request listener,
 * a store and keys; the home supplies them.
 */

/** Options of {@link createFront}. Validated at the boundary; errors name the field. */
export interface FrontOptions {
  /** The compiled plan (servers' resources are the MCP URLs clients use). */
  plan: McpAuthPlan;
  /**
   * The front's own issuer: an `https` origin, no path and no trailing slash (RFC 8414 §3.3
   * byte-exact). `http` only on a loopback host, or with {@link FrontOptions.allowHttpIssuer}.
   */
  issuer: string;
  /** Private RS256 JWK with `kid` and `alg`. */
  signingKey: JWK;
  /** Secrets signing the front's cookies (newest first; rotate by prepending). */
  cookieKeys: string[];
  store: FrontStore;
  upstream: UpstreamConfig;
  /** The edge's confidential client: introspection and the revocation list. */
  edgeClient: { id: string; secret: string };
  /** Client ID metadata documents; dev/tests set `allowLoopback` to accept http://127.0.0.1 documents. */
  cimd?: Pick<CimdOptions, "allowLoopback" | "maxBytes" | "timeoutMs" | "cacheSeconds">;
  /** Dynamic client registration refused outright: software ids, redirect hosts (and hosts below them), source IPs or CIDR blocks. */
  dcrDenyList?: DcrDenyList;
  /** Keys or secrets of pre-registered confidential clients whose plan entry has no `jwksUri`. */
  clientCredentials?: Record<string, ClientCredentialInput>;
  /** Key of the keyed hash that makes `sub` (default: a fixed label; set one to make subjects unlinkable across deployments). */
  subjectKey?: string;
  /** Behind a proxy or a Lambda Function URL: trust `X-Forwarded-Proto`/`-Host` (secure cookies, URLs). */
  trustProxy?: boolean;
  /** Dev/test only, loopback issuers only: approve every grantable scope without showing the consent pages. */
  autoApprove?: boolean;
  /**
   * Local development only: accept an `http` issuer on a host that is not loopback (the local
   * stack's `--host`). Without it such an issuer is refused: MCP requires every authorization
   * server endpoint to be served over HTTPS.
   */
  allowHttpIssuer?: boolean;
  /** Clock, ms (consent dates, re-consent cadence, revocation times). */
  now?: () => number;
  /**
   * One line per notable event; never a token, secret or code. A failed federated sign-in is one
   * JSON line `{"event":"sign_in_failed",…}` (federation.ts `signInFailedLine`).
   */
  log?: (line: string) => void;
}

export interface Front {
  issuer: string;
  /** Public keys (for the edge's JWKS snapshot). */
  jwks: { keys: JWK[] };
  /** A node:http request listener. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Revocation by an administrator or the home (the CLI writes the same records through the store). */
  revoke: Revoker;
  provider: Provider;
  close(): Promise<void>;
}

const OptionsSchema = z.object({
  // An origin: clients find the metadata at <issuer>/.well-known/… (RFC 8414 §3.1, OpenID Connect
  // Discovery §4) and the front serves it, and every endpoint, at the root of its host. An issuer
  // with a path would name well-known URLs the front does not serve, and MCP clients refuse
  // metadata whose `issuer` differs from the one they looked up (RFC 8414 §3.3).
  issuer: z.string().regex(/^https?:\/\/[^/?#]+$/, "must be an origin (scheme, host and optional port) without trailing slash, path, query or fragment"),
  signingKey: z.looseObject({ kid: z.string().min(1, "needs a kid"), alg: z.literal("RS256", "must be an RS256 key"), d: z.string().min(1, "must be the private key") }),
  cookieKeys: z.array(z.string().min(16, "must be at least 16 characters")).min(1, "needs at least one key"),
  upstream: z.object({ issuer: z.string().url(), clientId: z.string().min(1), clientSecret: z.string().min(1).optional(), scopes: z.array(z.string()).optional(), groupsClaim: z.string().optional(), tenantClaim: z.string().optional() }),
  edgeClient: z.object({ id: z.string().min(1), secret: z.string().min(16, "must be at least 16 characters") }),
  // Checked here whether or not the plan has a CIMD tier yet, so a typo fails at start, not on the first CIMD client.
  cimd: z
    .object({
      allowLoopback: z.boolean("must be true or false").optional(),
      maxBytes: z.number().int("must be a positive integer").positive("must be a positive integer").optional(),
      timeoutMs: z.number().int("must be a positive integer").positive("must be a positive integer").optional(),
      cacheSeconds: z.number().int("must be a non-negative integer").nonnegative("must be a non-negative integer").optional(),
    })
    .optional(),
});

/** oidc-provider's own limit on a form body. */
const MAX_TOKEN_REQUEST_BYTES = 56 * 1024;

const LOOPBACK_ISSUER = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

function publicJwk(priv: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = priv;
  return { ...pub, use: "sig" };
}

/** Rewrites each `resource` value to the plan's canonical form (policy.ts `canonicalResource`); true when one changed. */
function canonicalizeResources(plan: McpAuthPlan, params: URLSearchParams): boolean {
  const given = params.getAll("resource");
  const canonical = given.map((r) => canonicalResource(plan, r));
  if (canonical.every((r, i) => r === given[i])) return false;
  params.delete("resource");
  for (const r of canonical) params.append("resource", r);
  return true;
}

/**
 * MCP 2026-07-28 Authorization, "Canonical Server URI": implementations SHOULD accept uppercase
 * scheme and host components. An authorization request naming an MCP server's resource URI with
 * another case in its scheme or host is served as if it named the canonical URI, so the grant,
 * the consent records and the token's `aud` (RFC 8707 §2) all carry the URI the edge compares.
 */
function withCanonicalResources(plan: McpAuthPlan, url: string): string {
  const u = new URL(url, "http://local");
  return canonicalizeResources(plan, u.searchParams) ? `${u.pathname}${u.search}` : url;
}

/**
 * RFC 6749 §3.3: a request without `scope` is processed with a pre-defined default: the mandatory
 * scopes of the requested MCP server (its RFC 9728 `scopes_supported`): the one its `resource`
 * names, or the plan's only server when it names none (the RFC 8707 default resource the token is
 * then issued for, provider-config.ts). Other requests are unchanged.
 */
export function withDefaultScope(plan: McpAuthPlan, url: string): string {
  const u = new URL(url, "http://local");
  if (u.searchParams.has("scope")) return url;
  const resource = u.searchParams.get("resource");
  const server = resource === null ? (plan.servers.length === 1 ? plan.servers[0] : undefined) : plan.servers.find((s) => s.resource === resource);
  if (!server || server.consent.mandatory.length === 0) return url;
  u.searchParams.set("scope", server.consent.mandatory.join(" "));
  return `${u.pathname}${u.search}`;
}

export async function createFront(options: FrontOptions): Promise<Front> {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`createFront: ${i.path.join(".") || "options"} ${i.message}`);
  }
  const { plan, issuer, store } = options;
  // MCP 2026-07-28 Authorization, Communication Security: "All authorization server endpoints MUST
  // be served over HTTPS" (OAuth 2.1 §1.5); the endpoints are the issuer's URLs.
  if (issuer.startsWith("http:") && !LOOPBACK_ISSUER.test(issuer) && !options.allowHttpIssuer) {
    throw new Error(`createFront: issuer ${issuer} must use https (MCP requires authorization server endpoints over HTTPS); http is accepted on a loopback host only`);
  }
  if (options.autoApprove && !LOOPBACK_ISSUER.test(issuer)) throw new Error(`createFront: autoApprove is refused for a non-loopback issuer (${issuer}); it is for local development only`);
  if (options.cimd?.allowLoopback && !LOOPBACK_ISSUER.test(issuer)) throw new Error(`createFront: cimd.allowLoopback is refused for a non-loopback issuer (${issuer}); it is for local development and tests only`);
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => undefined);
  const pub = publicJwk(options.signingKey);
  const federation = createFederation({ plan, issuer, upstream: options.upstream, store, subjectKey: options.subjectKey ?? "pulumi-mcp-auth front subject", now });
  // The source address of the request being served, for registration records made deep inside
  // oidc-provider (a client ID metadata document is resolved by the Client model's adapter).
  const source = new AsyncLocalStorage<{ ip: string; cimdRecorded: Set<string> }>();
  const cimdTier = plan.tiers.find((t) => t.registration === "cimd");
  const cimd = cimdTier
    ? createCimdResolver(cimdTier, {
        allowedDomains: cimdTier.allowedDomains,
        ...options.cimd,
        now,
        // Every use the cache does not answer is a registration attempt (the registration-burst alarm counts them).
        // One record per request and client ID (oidc-provider may look a refused client up twice).
        onAttempt: (a) => {
          const request = source.getStore();
          if (request?.cimdRecorded.has(a.clientId)) return;
          request?.cimdRecorded.add(a.clientId);
          void store
            .recordRegistration({ clientId: a.clientId, via: "cimd", at: Math.floor(now() / 1000), sourceIp: request?.ip ?? "unknown", redirectHosts: a.redirectHosts, accepted: a.accepted, ...(a.reason !== undefined ? { reason: a.reason } : {}) })
            .catch((err: Error) => log(`registration record not stored: ${err.message}`));
        },
      })
    : undefined;
  const provider = new Provider(
    issuer,
    providerConfiguration({
      plan,
      signingKey: options.signingKey,
      cookieKeys: options.cookieKeys,
      edgeClient: options.edgeClient,
      agentClients: new Map(Object.entries(options.clientCredentials ?? {})),
      store,
      findAccount: (sub) => federation.account(sub),
      cimd,
      now,
    }),
  );
  if (options.trustProxy) provider.proxy = true;
  provider.on("server_error", (_ctx: unknown, err: Error) => log(`authorization front error: ${err.message}`));
  // RFC 8414 §2: advertise exactly what is supported: the plan's scopes (never offline_access:
  // refresh tokens follow the tier, not a scope) and the CIMD flag when the plan has a cimd tier.
  const scopesSupported = [...new Set(plan.servers.flatMap((s) => s.scopes))].sort();
  provider.use(async (ctx, next) => {
    await next();
    if ((ctx as KoaContextWithOIDC).oidc?.route === "discovery" && ctx.body && typeof ctx.body === "object") {
      const body = ctx.body as Record<string, unknown>;
      body["scopes_supported"] = scopesSupported;
      if (cimdTier) body["client_id_metadata_document_supported"] = true;
      // RFC 8414 §2: without `revocation_endpoint_auth_methods_supported` (and the introspection
      // one) a client must assume client_secret_basic only. Both endpoints take a client as it
      // authenticates at the token endpoint (a public client by client_id; jwt-token-state.ts).
      for (const endpoint of ["revocation", "introspection"]) {
        if (typeof body[`${endpoint}_endpoint`] !== "string") continue;
        body[`${endpoint}_endpoint_auth_methods_supported`] = body["token_endpoint_auth_methods_supported"];
        body[`${endpoint}_endpoint_auth_signing_alg_values_supported`] = body["token_endpoint_auth_signing_alg_values_supported"];
      }
    }
  });
  const revoker = createRevoker({ provider, store, plan, now, log });
  const interactions = createInteractionHandler({ provider, plan, store, federation, now, ...(options.autoApprove ? { autoApprove: true } : {}), log });
  const jwtTokens = createJwtTokenState({ provider, issuer, publicJwk: pub, edgeClient: options.edgeClient, revoker, now });
  const grantsPage = createGrantsPage({ plan, store, federation, revoker, issuer, now });
  const results = store.adapter(FEDERATED_RESULT_MODEL);
  let registration: ReturnType<typeof createRegistrationEndpoint>;
  try {
    registration = createRegistrationEndpoint({ plan, store, provider, now, log, ...(options.dcrDenyList ? { denyList: options.dcrDenyList } : {}) });
  } catch (err) {
    throw new Error(`createFront: ${(err as Error).message.replace(/^createDcrGuard: /, "")}`);
  }
  const callback = provider.callback();

  /** The client of an interaction, for the sign-in failure line (undefined when it expired). */
  async function interactionClient(uid: string): Promise<string | undefined> {
    try {
      const interaction = await provider.Interaction.find(uid);
      const id = interaction?.params["client_id"];
      return typeof id === "string" ? id : undefined;
    } catch {
      return undefined;
    }
  }

  async function federationCallback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", issuer);
      const done = await federation.finish(url);
      log(`signed in at the upstream IdP for ${done.purpose}`);
      if (done.purpose === "grants") return grantsPage.signedIn(req, res, done.account.sub, url.searchParams.get("state") ?? "");
      await results.upsert(done.uid!, { accountId: done.account.sub, authTime: done.account.authTime } as never, 600);
      res.writeHead(303, { location: `/interaction/${encodeURIComponent(done.uid!)}/federated`, "cache-control": "no-store" });
      res.end();
    } catch (err) {
      if (!(err instanceof FederationError)) throw err;
      log(signInFailedLine({ reason: err.reason, upstreamIssuer: options.upstream.issuer, ...(err.upstreamError ? { upstreamError: err.upstreamError } : {}), ...(err.uid ? { clientId: await interactionClient(err.uid) } : {}), message: err.message }));
      if (err.uid) {
        await results.upsert(err.uid, { error: err.message } as never, 600);
        res.writeHead(303, { location: `/interaction/${encodeURIComponent(err.uid)}/federated`, "cache-control": "no-store" });
        return void res.end();
      }
      res.writeHead(400, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(errorPage("Sign-in failed", err.message));
    }
  }

  /**
   * The token request's `resource` values in canonical form (see {@link withCanonicalResources}),
   * handed to oidc-provider as the parsed body. False when the request was answered here: a body
   * over oidc-provider's own limit (RFC 6749 §5.2 `invalid_request`).
   */
  async function canonicalTokenRequest(req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<boolean> {
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers["content-type"] ?? "")) return true;
    let text: string;
    try {
      text = await readBodyText(req, MAX_TOKEN_REQUEST_BYTES, "token request body");
    } catch (err) {
      res.writeHead(400, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      res.end(JSON.stringify({ error: "invalid_request", error_description: (err as Error).message }));
      return false;
    }
    const params = new URLSearchParams(text);
    req.body = canonicalizeResources(plan, params) ? params.toString() : text;
    return true;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    // RFC 8414 §3: the OAuth well-known path serves the same document as OpenID discovery.
    if (path === "/.well-known/oauth-authorization-server") req.url = "/.well-known/openid-configuration";
    if (req.method === "GET" && path === "/auth") req.url = withDefaultScope(plan, withCanonicalResources(plan, req.url ?? "/"));
    if (req.method === "POST" && path === "/token" && !(await canonicalTokenRequest(req, res))) return;
    if (path === FEDERATION_CALLBACK_PATH && req.method === "GET") return federationCallback(req, res);
    if (path === REVOCATIONS_PATH) return serveRevocations(req, res, { store, plan, edgeClient: options.edgeClient, now });
    if (path === GRANTS_PATH || path?.startsWith(`${GRANTS_PATH}/`)) return grantsPage.handle(req, res);
    // RFC 7591 registration: the DCR guard (rate limit per source, deny list, tier rules, risk records).
    if (req.method === "POST" && path === "/reg" && registration && (await registration(req, res))) return;
    if ((await jwtTokens(req, res)) || (await interactions(req, res))) return;
    callback(req, res);
  }

  return {
    issuer,
    jwks: { keys: [pub] },
    handle(req, res) {
      source.run({ ip: req.socket.remoteAddress ?? "unknown", cimdRecorded: new Set() }, () => route(req, res)).catch((err: Error) => {
        log(`authorization front error: ${err.message}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end();
      });
    },
    revoke: revoker,
    provider,
    close: async () => undefined,
  };
}
