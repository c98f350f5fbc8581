import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { createFront, type Front } from "../front/front.js";
import { FEDERATION_CALLBACK_PATH } from "../front/federation.js";
import { EDGE_INTROSPECTION_CLIENT_ID, type AgentCredential, type ClientCredentialInput } from "../front/provider-config.js";
import { REVOCATIONS_PATH } from "../front/revocation.js";
import { createMemoryStore } from "../front/store/memory.js";
import type { FrontStore } from "../front/store/types.js";
import type { McpAuthPlan } from "../plan/schema.js";
import { isLoopbackHost } from "./loopback.js";
import { createUpstreamIdp } from "./upstream-idp.js";

export { isLoopbackHost };
export { withDefaultScope } from "../front/front.js";

/**
 * The loopback home of the authorization front: the front (components/front) and the embedded
 * upstream IdP standing in for Okta/Auth0/Entra, each on its own loopback port, with generated
 * keys and credentials for the plan's confidential clients.
 */

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
  /** Clock, ms (registration rate limit, consent dates, re-consent cadence, revocations). */
  now?: () => number;
  /** Port of the embedded upstream IdP; 0 (default) picks a free one. */
  upstreamPort?: number;
  /** The front's store (default: in memory, lost on restart). */
  store?: FrontStore;
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
  /** The front's revocation list (`GET`, edge client credentials). */
  revocationListEndpoint: string;
  /** The embedded upstream IdP's issuer. */
  upstreamIssuer: string;
  front: Front;
  store: FrontStore;
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

async function rs256Key(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString("hex"), alg: "RS256", use: "sig" };
}

/** Keys and secrets for the plan's pre-registered confidential clients (the agent tier). */
async function agentKeys(plan: McpAuthPlan): Promise<{ credentials: AgentCredential[]; inputs: Record<string, ClientCredentialInput> }> {
  const credentials: AgentCredential[] = [];
  const inputs: Record<string, ClientCredentialInput> = {};
  for (const tier of plan.tiers) {
    if (tier.clientType !== "confidential") continue;
    for (const c of tier.clients) {
      if (tier.tokenEndpointAuthMethod === "private_key_jwt") {
        const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
        const kid = `${c.name}-${randomBytes(4).toString("hex")}`;
        inputs[c.name] = { publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
        credentials.push({ clientId: c.name, tier: tier.name, tokenEndpointAuthMethod: "private_key_jwt", privateJwk: { ...(await exportJWK(privateKey)), kid, alg: "ES256" } });
      } else if (tier.tokenEndpointAuthMethod !== "none") {
        const secret = randomBytes(32).toString("base64url");
        inputs[c.name] = { clientSecret: secret };
        credentials.push({ clientId: c.name, tier: tier.name, tokenEndpointAuthMethod: tier.tokenEndpointAuthMethod, clientSecret: secret });
      }
    }
  }
  return { credentials, inputs };
}

/**
 * Starts the front and the embedded upstream IdP on loopback. Throws `EADDRINUSE` errors
 * unchanged (callers name the flag).
 */
export async function startAuthorizationServer(opts: AuthorizationServerOptions): Promise<LocalAuthorizationServer> {
  const host = opts.host ?? "127.0.0.1";
  if (opts.autoApprove !== undefined && !isLoopbackHost(host)) {
    throw new Error(`auto-approve is refused on a non-loopback address (${host}); bind 127.0.0.1 or drop --auto-approve`);
  }
  const { plan } = opts;
  const notReady = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(503);
    res.end();
  };
  let frontHandler = notReady;
  let upstreamHandler = notReady;
  const server = createServer((req, res) => frontHandler(req, res));
  const upstreamServer = createServer((req, res) => upstreamHandler(req, res));
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const port = await listen(server, host, opts.port ?? 0);
  const closeAll = () =>
    Promise.all(
      [server, upstreamServer].map(
        (s) =>
          new Promise<void>((resolve) => {
            if (!s.listening) return resolve();
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    ).then(() => undefined);
  try {
    const upstreamPort = await listen(upstreamServer, host, opts.upstreamPort ?? 0);
    const issuer = `http://${hostPart}:${port}`;
    const upstream = await createUpstreamIdp({ plan, issuer: `http://${hostPart}:${upstreamPort}`, redirectUri: `${issuer}${FEDERATION_CALLBACK_PATH}`, ...(opts.autoApprove !== undefined ? { autoSignIn: opts.autoApprove } : {}), ...(opts.log ? { log: opts.log } : {}) });
    upstreamHandler = upstream.handle;
    const agents = await agentKeys(plan);
    const edgeClient = { id: EDGE_INTROSPECTION_CLIENT_ID, secret: randomBytes(32).toString("base64url") };
    // Token and session expiry in the store follow the real clock (as oidc-provider's own checks do);
    // `now` drives the front's policy clock (consent dates, re-consent cadence, revocation times).
    const store = opts.store ?? createMemoryStore();
    const front = await createFront({
      plan,
      issuer,
      signingKey: await rs256Key(),
      cookieKeys: [randomBytes(32).toString("base64url")],
      store,
      upstream: { issuer: upstream.issuer, clientId: upstream.client.clientId, clientSecret: upstream.client.clientSecret, scopes: ["openid", "profile", "email", "groups"] },
      edgeClient,
      // Loopback only: client ID metadata documents may be served from http://127.0.0.1 in dev and tests.
      // Another --host gives the dev stack a plain-http issuer on that address, which createFront
      // accepts only when told (MCP requires HTTPS for authorization server endpoints elsewhere).
      ...(isLoopbackHost(host) ? { cimd: { allowLoopback: true } } : { allowHttpIssuer: true }),
      clientCredentials: agents.inputs,
      ...(opts.autoApprove !== undefined ? { autoApprove: true } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    });
    frontHandler = front.handle;
    const dcr = plan.tiers.some((t) => t.registration === "dcr");
    return {
      issuer,
      port,
      metadataUrl: `${issuer}/.well-known/oauth-authorization-server`,
      jwksUri: `${issuer}/jwks`,
      jwks: front.jwks,
      introspection: { endpoint: `${issuer}/token/introspection`, clientId: edgeClient.id, clientSecret: edgeClient.secret },
      revocationEndpoint: `${issuer}/token/revocation`,
      tokenEndpoint: `${issuer}/token`,
      ...(dcr ? { registrationEndpoint: `${issuer}/reg` } : {}),
      agentCredentials: agents.credentials,
      revocationListEndpoint: `${issuer}${REVOCATIONS_PATH}`,
      upstreamIssuer: upstream.issuer,
      front,
      store,
      close: async () => {
        await closeAll();
        await front.close();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
