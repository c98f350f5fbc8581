import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider from "oidc-provider";
import type { McpAuthPlan } from "../plan/schema.js";
import { createRegistrationRateLimiter } from "./dcr-policy.js";
import { createInteractionHandler } from "./interactions.js";
import { createJwtTokenState } from "./jwt-token-state.js";
import { EDGE_INTROSPECTION_CLIENT_ID, providerConfiguration, type AgentCredential } from "./provider-config.js";
import { isLoopbackHost } from "./loopback.js";
import { readBodyText } from "./body.js";

export { isLoopbackHost };

/** Options for {@link startAuthorizationServer}. */
export interface AuthorizationServerOptions {
  /** The dev plan: server resources must already be the loopback edge URLs (see `devPlan`). */
  plan: McpAuthPlan;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Seeded user to sign in and approve automatically (automation only; loopback only). */
  autoApprove?: string;
  /** One line per notable event (never a token, secret or code). */
  log?: (line: string) => void;
  /** Clock for the registration rate limiter, ms. */
  now?: () => number;
}

/** A running local authorization server. */
export interface LocalAuthorizationServer {
  /** Issuer identifier, e.g. `http://127.0.0.1:9400` (no trailing slash; RFC 8414 §3.3 byte-exact). */
  issuer: string;
  port: number;
  /** RFC 8414 metadata URL. */
  metadataUrl: string;
  jwksUri: string;
  /** Public signing keys (a JWKS snapshot for the edge). */
  jwks: { keys: JWK[] };
  /** RFC 7662 endpoint plus the edge's client credentials. */
  introspection: { endpoint: string; clientId: string; clientSecret: string };
  revocationEndpoint: string;
  tokenEndpoint: string;
  registrationEndpoint?: string;
  /** Generated credentials of pre-registered confidential clients (agent tier). */
  agentCredentials: AgentCredential[];
  provider: Provider;
  close(): Promise<void>;
}


async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function rs256Key(): Promise<{ priv: JWK; pub: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomBytes(8).toString("hex");
  return { priv: { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" }, pub: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

/**
 * RFC 6749 §3.3: a request without `scope` is processed with a pre-defined default: the mandatory
 * scopes of the requested MCP server (its RFC 9728 `scopes_supported`). Other requests are unchanged.
 */
export function withDefaultScope(plan: McpAuthPlan, url: string): string {
  const u = new URL(url, "http://local");
  if (u.searchParams.has("scope")) return url;
  const resource = u.searchParams.get("resource");
  const server = plan.servers.find((s) => s.resource === resource);
  if (!server || server.consent.mandatory.length === 0) return url;
  u.searchParams.set("scope", server.consent.mandatory.join(" "));
  return `${u.pathname}${u.search}`;
}

/**
 * Reads an RFC 7591 registration body and hands oidc-provider the parsed object (`req.body`).
 * The `scope` member is reduced to OpenID scopes: oidc-provider checks it against its own
 * scope list, while MCP resource scopes are capped per tier by the resource server info instead
 * (RFC 7591 §3.2.1 lets the server register different metadata than requested).
 */
async function prepareRegistration(req: IncomingMessage & { body?: unknown }): Promise<void> {
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) return;
  const text = await readBodyText(req, 64 * 1024, "registration request");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = {};
  }
  if (body && typeof body === "object" && !Array.isArray(body) && typeof (body as { scope?: unknown }).scope === "string") {
    const oidc = ((body as { scope: string }).scope.split(" ")).filter((s) => s === "openid" || s === "offline_access");
    if (oidc.length) (body as { scope: string }).scope = oidc.join(" ");
    else delete (body as { scope?: string }).scope;
  }
  req.body = body;
}

/**
 * Starts oidc-provider configured from the plan, with the dev login/consent/step-up pages, the
 * DCR rate limit and generated keys. Throws `EADDRINUSE` errors unchanged (callers name the flag).
 */
export async function startAuthorizationServer(opts: AuthorizationServerOptions): Promise<LocalAuthorizationServer> {
  const host = opts.host ?? "127.0.0.1";
  if (opts.autoApprove !== undefined && !isLoopbackHost(host)) {
    throw new Error(`auto-approve is refused on a non-loopback address (${host}); bind 127.0.0.1 or drop --auto-approve`);
  }
  const { plan } = opts;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503);
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  const port = await listen(server, host, opts.port ?? 0);
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const issuer = `http://${hostPart}:${port}`;

  try {
    const signing = await rs256Key();
    const agentClients = new Map<string, { publicJwk?: JWK; clientSecret?: string }>();
    const agentCredentials: AgentCredential[] = [];
    for (const tier of plan.tiers) {
      if (tier.clientType !== "confidential") continue;
      for (const c of tier.clients) {
        if (tier.tokenEndpointAuthMethod === "private_key_jwt") {
          const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
          const kid = `${c.name}-${randomBytes(4).toString("hex")}`;
          const pub = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
          agentClients.set(c.name, { publicJwk: pub });
          agentCredentials.push({ clientId: c.name, tier: tier.name, tokenEndpointAuthMethod: "private_key_jwt", privateJwk: { ...(await exportJWK(privateKey)), kid, alg: "ES256" } });
        } else if (tier.tokenEndpointAuthMethod !== "none") {
          const secret = randomBytes(32).toString("base64url");
          agentClients.set(c.name, { clientSecret: secret });
          agentCredentials.push({ clientId: c.name, tier: tier.name, tokenEndpointAuthMethod: tier.tokenEndpointAuthMethod, clientSecret: secret });
        }
      }
    }
    const edgeClientSecret = randomBytes(32).toString("base64url");
    const provider = new Provider(
      issuer,
      providerConfiguration({ plan, signingKey: signing.priv, cookieKeys: [randomBytes(32).toString("base64url")], edgeClientSecret, agentClients }),
    );
    provider.on("server_error", (_ctx: unknown, err: Error) => opts.log?.(`authorization server error: ${err.message}`));

    const interactions = createInteractionHandler({ provider, plan, ...(opts.autoApprove !== undefined ? { autoApprove: opts.autoApprove } : {}), ...(opts.log ? { log: opts.log } : {}) });
    const jwtTokens = createJwtTokenState({ provider, issuer, publicJwk: signing.pub, edgeClient: { id: EDGE_INTROSPECTION_CLIENT_ID, secret: edgeClientSecret } });
    const dcr = plan.tiers.find((t) => t.registration === "dcr");
    const limiter = createRegistrationRateLimiter(dcr?.registrationRateLimitPerMinute ?? 0, opts.now);
    const callback = provider.callback();
    handler = (req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      // RFC 8414 §3: serve the same document at the OAuth well-known path (oidc-provider only
      // serves OpenID Connect Discovery, a superset); MCP clients try this path first.
      if (path === "/.well-known/oauth-authorization-server") req.url = "/.well-known/openid-configuration";
      if (req.method === "GET" && path === "/auth") req.url = withDefaultScope(plan, req.url ?? "/");
      // RFC 7591 registration, rate-limited per caller address (DCR tier's registrationRateLimitPerMinute).
      if (req.method === "POST" && path === "/reg") {
        const wait = limiter.take(req.socket.remoteAddress ?? "unknown");
        if (wait > 0) {
          opts.log?.(`client registration refused: over ${dcr?.registrationRateLimitPerMinute ?? 0}/minute`);
          res.writeHead(429, { "content-type": "application/json", "retry-after": String(wait), "cache-control": "no-store" });
          res.end(JSON.stringify({ error: "too_many_requests", error_description: `client registration is limited to ${dcr?.registrationRateLimitPerMinute ?? 0} per minute for tier '${dcr?.name ?? "dcr"}'; retry in ${wait}s` }));
          return;
        }
      }
      const prepared = req.method === "POST" && path === "/reg" ? prepareRegistration(req) : Promise.resolve();
      prepared
        .then(async () => (await jwtTokens(req, res)) || (await interactions(req, res)))
        .then((handled) => {
          if (!handled) callback(req, res);
        })
        .catch((err: Error) => {
          opts.log?.(`authorization server error: ${err.message}`);
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
    };

    return {
      issuer,
      port,
      metadataUrl: `${issuer}/.well-known/oauth-authorization-server`,
      jwksUri: `${issuer}/jwks`,
      jwks: { keys: [signing.pub] },
      introspection: { endpoint: `${issuer}/token/introspection`, clientId: EDGE_INTROSPECTION_CLIENT_ID, clientSecret: edgeClientSecret },
      revocationEndpoint: `${issuer}/token/revocation`,
      tokenEndpoint: `${issuer}/token`,
      ...(dcr ? { registrationEndpoint: `${issuer}/reg` } : {}),
      agentCredentials,
      provider,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  } catch (err) {
    server.close();
    throw err;
  }
}
