import type { JWK } from "jose";
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from "oidc-provider";
import { errors } from "oidc-provider";
import { revokedBy } from "../../lambda/core/revocation-list.js";
import type { McpAuthPlan, PlanTier } from "../plan/schema.js";
import { interactionPolicyFor, isPerAction, reconsentDue } from "./consent-policy.js";
import type { FrontAccount } from "./federation.js";
import { errorPage } from "./pages.js";
import { accessTokenSeconds, refreshTokenIdleSeconds, refreshTokenSeconds, scopeSensitivity, serverByResource, tierOfClient, tierScopes } from "./policy.js";
import { modelAdapter } from "./model-adapter.js";
import { createRequestReads } from "./request-reads.js";
import { dcrMetadataProblem, type CimdResolver } from "./registration/wiring.js";
import type { FrontStore } from "./store/types.js";

/**
 * The plan compiled into an oidc-provider (v9) configuration: the authorization front. Everything
 * a token may carry is decided here (audience, scope cap per tier, lifetime per sensitivity,
 * per-action and re-consent rules); the consent page in `interactions.ts` narrows it per user.
 */

/** Default client ID of the edge's confidential client (RFC 7662 introspection, revocation list). */
export const EDGE_INTROSPECTION_CLIENT_ID = "mcp-auth-local-edge";

/** Credentials of a pre-registered confidential (agent) client. */
export interface AgentCredential {
  clientId: string;
  tier: string;
  /** `private_key_jwt`: the client's private signing key (RFC 7523 client assertion). */
  privateJwk?: JWK;
  /** `client_secret_basic` / `client_secret_post`. */
  clientSecret?: string;
  tokenEndpointAuthMethod: string;
}

/** What the front knows about a pre-registered confidential client besides the plan. */
export interface ClientCredentialInput {
  /** Public key(s) for `private_key_jwt` (the plan's `jwksUri` is used when absent). */
  publicJwk?: JWK;
  clientSecret?: string;
}

export interface ProviderConfigInput {
  plan: McpAuthPlan;
  /** The private RS256 signing key (JWK with `kid`). */
  signingKey: JWK;
  /** Random secrets for signing oidc-provider cookies. */
  cookieKeys: string[];
  /** The edge's client (introspection and revocation list). */
  edgeClient: { id: string; secret: string };
  /** Public keys / secrets of pre-registered confidential clients, by client ID. */
  agentClients: Map<string, ClientCredentialInput>;
  store: FrontStore;
  /** Signed-in users (federated accounts), by the front's `sub`. */
  findAccount(sub: string): Promise<FrontAccount | undefined>;
  /** Resolves URL client IDs (client ID metadata documents), when the plan has a `cimd` tier. */
  cimd: CimdResolver | undefined;
  now: () => number;
}

function isLoopbackUri(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === "http:" && ["127.0.0.1", "[::1]", "localhost"].includes(u.hostname);
  } catch {
    return false;
  }
}

/** oidc-provider client metadata for every pre-registered client of the plan. */
export function preRegisteredClients(input: ProviderConfigInput): ClientMetadata[] {
  const out: ClientMetadata[] = [];
  for (const tier of input.plan.tiers) {
    if (tier.registration !== "pre-registered" && tier.registration !== "client-credentials") continue;
    for (const c of tier.clients) {
      const interactive = tier.grantTypes.includes("authorization_code");
      const meta: ClientMetadata = {
        client_id: c.name,
        client_name: c.displayName,
        grant_types: [...tier.grantTypes],
        response_types: interactive ? ["code"] : [],
        redirect_uris: interactive ? [...c.redirectUris] : [],
        token_endpoint_auth_method: tier.tokenEndpointAuthMethod,
        // RFC 8252: loopback redirect URIs mean a native app (any port accepted on loopback).
        application_type: interactive && c.redirectUris.length > 0 && c.redirectUris.every(isLoopbackUri) ? "native" : "web",
      };
      const creds = input.agentClients.get(c.name);
      if (tier.tokenEndpointAuthMethod === "private_key_jwt") {
        if (creds?.publicJwk) meta.jwks = { keys: [creds.publicJwk] } as ClientMetadata["jwks"];
        else if (c.jwksUri) meta.jwks_uri = c.jwksUri;
        else throw new Error(`client '${c.name}' (tier '${tier.name}') uses private_key_jwt but has neither a jwksUri in the plan nor a key in clientCredentials`);
      } else if (tier.tokenEndpointAuthMethod !== "none") {
        if (!creds?.clientSecret) throw new Error(`client '${c.name}' (tier '${tier.name}') uses ${tier.tokenEndpointAuthMethod} but no secret was given in clientCredentials`);
        meta.client_secret = creds.clientSecret;
      }
      out.push(meta);
    }
  }
  out.push({
    client_id: input.edgeClient.id,
    client_name: "pulumi-mcp-auth edge (introspection and revocation list only)",
    client_secret: input.edgeClient.secret,
    grant_types: [],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: "client_secret_basic",
  });
  return out;
}

function dcrTier(plan: McpAuthPlan): PlanTier | undefined {
  return plan.tiers.find((t) => t.registration === "dcr");
}

function tokenServer(plan: McpAuthPlan, token: { aud?: unknown; resourceServer?: { audience?: string } }) {
  const aud = token.resourceServer?.audience ?? (Array.isArray(token.aud) ? token.aud[0] : token.aud);
  return typeof aud === "string" ? serverByResource(plan, aud) : undefined;
}

function scopesOf(token: { scope?: string }): string[] {
  return (token.scope ?? "").split(" ").filter(Boolean);
}

/** Builds the oidc-provider configuration (minus interactions' rendering, which lives in interactions.ts). */
export function providerConfiguration(input: ProviderConfigInput): Configuration {
  const { plan } = input;
  const nowSec = () => Math.floor(input.now() / 1000);
  const dcr = dcrTier(plan);
  // Per-request reads: no item is read twice in one request; a refresh's reads run in parallel.
  const reads = createRequestReads({ store: input.store, findAccount: input.findAccount, now: input.now });
  // Adapters are stateless wrappers: one per model for the provider's lifetime.
  const adapters = new Map<string, ReturnType<typeof modelAdapter>>();

  return {
    clients: preRegisteredClients(input),
    jwks: { keys: [input.signingKey] } as Configuration["jwks"],
    cookies: { keys: input.cookieKeys },
    // Plain OAuth 2.1: authorization code (+ refresh) and client credentials; no implicit/hybrid.
    responseTypes: ["code"],
    // OAuth 2.1 §4.1.1 / MCP: PKCE for every authorization request; oidc-provider 9 only knows S256.
    pkce: { required: () => true },
    scopes: ["openid", "offline_access"],
    claims: { openid: ["sub"], profile: ["name", "email", "groups"] },
    clientDefaults: { grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" },
    allowOmittingSingleRegisteredRedirectUri: false,
    // Every model (sessions, grants, codes, refresh tokens, dynamic clients) lives in the store.
    adapter: (name: string) => {
      let a = adapters.get(name);
      if (!a) adapters.set(name, (a = modelAdapter({ store: input.store, plan, cimd: input.cimd, reads }, name)));
      return a;
    },
    async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
      const u = await reads.account(sub);
      if (!u) return undefined;
      return { accountId: sub, claims: async () => ({ sub, name: u.name, email: u.email, groups: u.groups }) };
    },
    // RFC 9068 §2.2.1 `auth_time`, `consent_time` (epoch seconds of the consent the token relies on), and
    // the grant id (the edge's revocation list can name one grant).
    async extraTokenClaims(ctx: KoaContextWithOIDC, token: { accountId?: string; grantId?: string; scope?: string; resourceServer?: { audience?: string }; clientId?: string }) {
      if (!token.accountId) return undefined;
      const source = (ctx?.oidc?.entities.AuthorizationCode ?? ctx?.oidc?.entities.RefreshToken) as { authTime?: number } | undefined;
      const resource = token.resourceServer?.audience;
      const record = resource && token.clientId ? await reads.consent(token.accountId, token.clientId, resource) : undefined;
      // The oldest consent among the scopes with a re-consent cadence (high, critical), else among all.
      const dated = (list: string[]) => list.map((s) => record?.scopes[s]).filter((t): t is number => t !== undefined);
      const sensitive = dated(scopesOf(token).filter((s) => scopeSensitivity(plan, s) !== "routine"));
      const times = sensitive.length ? sensitive : dated(scopesOf(token));
      return {
        ...(source?.authTime !== undefined ? { auth_time: source.authTime } : {}),
        ...(times.length ? { consent_time: Math.min(...times) } : {}),
        ...(token.grantId ? { gid: token.grantId } : {}),
      };
    },
    interactions: { policy: interactionPolicyFor(plan, input.store, input.now), url: async (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      // RFC 8707: every token is for one MCP server; `aud` is its resource URI.
      resourceIndicators: {
        enabled: true,
        // A request without `resource` is for the plan's only server. With several servers it names
        // none of them: RFC 8707 §2 lets the server "fail requests that omit the parameter with an
        // invalid_target error", which it does before any sign-in (and at the token endpoint for
        // client credentials) rather than issuing a token no MCP server accepts.
        defaultResource: async (_ctx: KoaContextWithOIDC, _client: unknown, oneOf?: string[]) => {
          if (oneOf) return oneOf;
          if (plan.servers.length === 1) return plan.servers[0]?.resource;
          throw new errors.InvalidTarget(`the resource parameter is required: name the MCP server the token is for (RFC 8707), one of ${plan.servers.map((s) => s.resource).join(", ")}`);
        },
        useGrantedResource: async () => true,
        async getResourceServerInfo(ctx: KoaContextWithOIDC, resourceIndicator: string, client: { clientId: string }) {
          const server = serverByResource(plan, resourceIndicator);
          if (!server) throw new errors.InvalidTarget(`resource '${resourceIndicator}' is not an MCP server of plan '${plan.name}'; known: ${plan.servers.map((s) => s.resource).join(", ")}`);
          const tier = tierOfClient(plan, client.clientId);
          let scopes = tierScopes(server, tier);
          const refresh = ctx?.oidc?.entities.RefreshToken as { accountId?: string } | undefined;
          if (ctx?.oidc?.route === "token" && ctx.oidc.params?.["grant_type"] === "refresh_token" && refresh?.accountId) {
            // A refresh never yields a per-action (critical) scope, nor one whose consent is past its
            // re-consent cadence: both need the user again (a refresh would reset the token's iat).
            const rt = refresh as { accountId: string; grantId?: string; iiat?: number; iat?: number };
            const [revocations, record] = await Promise.all([reads.revocations(), reads.consent(refresh.accountId, client.clientId, server.resource)]);
            const revoked = revokedBy(revocations, { sub: rt.accountId, clientId: client.clientId, grantId: rt.grantId, iat: rt.iiat ?? rt.iat ?? 0 });
            if (revoked) throw new errors.InvalidGrant(`the grant was revoked (${revoked.kind})`);
            const due = new Set(reconsentDue(plan, server.resource, scopes, record, nowSec()));
            scopes = scopes.filter((s) => !isPerAction(plan, s) && !due.has(s));
          }
          if (scopes.length === 0) throw new errors.InvalidTarget(`client tier '${tier?.name ?? "(none)"}' may not access MCP server '${server.name}'`);
          return {
            scope: scopes.join(" "),
            audience: server.resource,
            accessTokenFormat: "jwt",
            // Routine lifetime; ttl.AccessToken below picks the lifetime per granted sensitivity.
            accessTokenTTL: accessTokenSeconds(plan, server, tier, []),
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
      // RFC 7662, for the edge (immediate revocation of critical scopes) and for clients' own tokens.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string }) =>
          client.clientId === input.edgeClient.id || token.clientId === client.clientId,
      },
      // RFC 7009 (opaque tokens; JWT access tokens are handled in jwt-token-state.ts): own tokens only.
      revocation: { enabled: true, allowedPolicy: async (_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string }) => token.clientId === client.clientId },
      clientCredentials: { enabled: plan.tiers.some((t) => t.grantTypes.includes("client_credentials")) },
      // RFC 7591, only when the plan has a DCR tier. Redirect URIs are checked in extraClientMetadata.validator.
      registration: { enabled: dcr !== undefined, initialAccessToken: false, issueRegistrationAccessToken: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      // oidc-provider 9 enables both by default. DPoP (RFC 9449): the edge accepts Bearer tokens
      // only and would not enforce a DPoP binding, so the front must not offer sender-constrained
      // tokens it cannot honour. Pushed authorization requests (RFC 9126): not an MCP flow, and a
      // pushed request would bypass the front's default scope (RFC 6749 §3.3) on `/auth`.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
    } as Configuration["features"],
    extraClientMetadata: {
      properties: ["mcp_tier"],
      // Called for every client, static and dynamic. For RFC 7591 registration it enforces the
      // DCR tier's redirect URI rules and stamps the tier (a client cannot choose its own).
      validator(ctx: KoaContextWithOIDC | undefined, key: string, _value: unknown, metadata: ClientMetadata) {
        if (key !== "mcp_tier") return;
        const route = ctx?.oidc?.route;
        if (route !== "registration") return;
        if (!dcr) throw new errors.InvalidClientMetadata("dynamic client registration is not enabled for this plan");
        metadata["mcp_tier"] = dcr.name;
        dcrMetadataProblem(dcr, metadata);
      },
    },
    // Browser clients may call the token endpoint only from their own redirect URI's origin.
    clientBasedCORS: ((_ctx: KoaContextWithOIDC, origin: string, client: { clientAuthMethod: string; redirectUris: string[] }) => {
      if (origin === "null" || client.clientAuthMethod !== "none") return false;
      return client.redirectUris.some((uri) => {
        try {
          return new URL(uri).origin === origin;
        } catch {
          return false;
        }
      });
    }) as unknown as Configuration["clientBasedCORS"],
    // Escaped HTML error page (oidc-provider's default is fine but warns).
    renderError: (async (ctx: KoaContextWithOIDC, out: Record<string, unknown>) => {
      ctx.type = "html";
      ctx.body = errorPage("Authorization error", `${String(out["error"] ?? "error")}: ${String(out["error_description"] ?? "")}`);
    }) as unknown as Configuration["renderError"],
    issueRefreshToken: async (_ctx: KoaContextWithOIDC, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed("refresh_token"),
    // MCP / OAuth 2.1 §4.3.1: public clients MUST get rotating refresh tokens; others per the tier.
    rotateRefreshToken: (ctx: KoaContextWithOIDC) => {
      const client = ctx.oidc.entities.Client;
      if (!client || client.clientAuthMethod === "none") return true;
      return tierOfClient(plan, client.clientId)?.refreshToken.rotation ?? true;
    },
    ttl: {
      // Per the highest sensitivity the token carries (plan: min(server, tier) minutes).
      AccessToken: (_ctx: KoaContextWithOIDC, token: { aud?: unknown; scope?: string; resourceServer?: { audience?: string } }, client: { clientId: string }) => {
        const server = tokenServer(plan, token);
        return server ? accessTokenSeconds(plan, server, tierOfClient(plan, client.clientId), scopesOf(token)) : 300;
      },
      ClientCredentials: (_ctx: KoaContextWithOIDC, token: { aud?: unknown; scope?: string; resourceServer?: { audience?: string } }, client: { clientId: string }) => {
        const server = tokenServer(plan, token);
        return server ? accessTokenSeconds(plan, server, tierOfClient(plan, client.clientId), scopesOf(token)) : 300;
      },
      RefreshToken: (ctx: KoaContextWithOIDC, token: { resource?: string; remainingTTL?: number; iiat?: number }, client: { clientId: string }) => {
        const rotated = ctx?.oidc?.entities.RotatedRefreshToken as { remainingTTL?: number } | undefined;
        const server = token.resource ? serverByResource(plan, token.resource) : plan.servers[0];
        const tier = tierOfClient(plan, client.clientId);
        const full = refreshTokenSeconds(server, tier);
        const idle = refreshTokenIdleSeconds(server, tier);
        // Rotation keeps the original expiry (the family does not live longer than declared).
        if (idle === undefined) return rotated?.remainingTTL !== undefined ? Math.min(full, rotated.remainingTTL) : full;
        // `idleDays`: each token (the first, each rotated one) lives at most the idle time, and the
        // family never past its absolute lifetime, counted from the first token (`iiat`, oidc-provider's
        // clock). A token that does not rotate therefore expires the idle time after it was issued.
        const left = typeof token.iiat === "number" ? full - (Math.floor(Date.now() / 1000) - token.iiat) : full;
        return Math.max(1, Math.min(idle, left));
      },
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 8 * 3600,
      Grant: 30 * 86_400,
    } as Configuration["ttl"],
    enabledJWA: { clientAuthSigningAlgValues: ["RS256", "PS256", "ES256", "EdDSA"] } as Configuration["enabledJWA"],
  } as Configuration;
}
