import type { JWK } from "jose";
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from "oidc-provider";
import { errors, interactionPolicy } from "oidc-provider";
import type { McpAuthPlan, PlanTier } from "../plan/schema.js";
import { redirectUriProblem } from "./dcr-policy.js";
import { errorPage } from "./pages.js";
import { accessTokenSeconds, refreshTokenSeconds, scopeSensitivity, serverByResource, tierOfClient, tierScopes } from "./policy.js";

/**
 * The plan compiled into an oidc-provider (v9) configuration: the local target. Everything a
 * token may carry is decided here (audience, scope cap per tier, lifetime per sensitivity); the
 * consent page in `interactions.ts` narrows it further per user.
 */

/** Client ID of the confidential client the local edge introspects with (RFC 7662). */
export const EDGE_INTROSPECTION_CLIENT_ID = "mcp-auth-local-edge";

/** Credentials generated at start for pre-registered confidential (agent) clients. */
export interface AgentCredential {
  clientId: string;
  tier: string;
  /** `private_key_jwt`: the client's private signing key (RFC 7523 client assertion). */
  privateJwk?: JWK;
  /** `client_secret_basic` / `client_secret_post`. */
  clientSecret?: string;
  tokenEndpointAuthMethod: string;
}

export interface ProviderConfigInput {
  /** The dev plan (server resources already rewritten to loopback edge URLs). */
  plan: McpAuthPlan;
  /** The private RS256 signing key (JWK with `kid`). */
  signingKey: JWK;
  /** Random secrets for signing oidc-provider cookies. */
  cookieKeys: string[];
  /** Secret of the edge's introspection client. */
  edgeClientSecret: string;
  /** Public keys / secrets of pre-registered confidential clients, by client ID. */
  agentClients: Map<string, { publicJwk?: JWK; clientSecret?: string }>;
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
        if (!creds?.publicJwk) throw new Error(`client '${c.name}' (tier '${tier.name}') uses private_key_jwt but no key was generated`);
        meta.jwks = { keys: [creds.publicJwk] } as ClientMetadata["jwks"];
      } else if (tier.tokenEndpointAuthMethod !== "none") {
        if (!creds?.clientSecret) throw new Error(`client '${c.name}' (tier '${tier.name}') needs a client secret but none was generated`);
        meta.client_secret = creds.clientSecret;
      }
      out.push(meta);
    }
  }
  out.push({
    client_id: EDGE_INTROSPECTION_CLIENT_ID,
    client_name: "pulumi-mcp-auth local edge (introspection only)",
    client_secret: input.edgeClientSecret,
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

/**
 * The interaction policy: oidc-provider's login and consent prompts plus "per-action consent":
 * a request naming any critical scope always shows the consent (and step-up) pages, even when an
 * earlier grant already holds the scope (plan sensitivity `critical` → consent `per-action`).
 */
export function interactionPolicyFor(plan: McpAuthPlan): ReturnType<typeof interactionPolicy.base> {
  const policy = interactionPolicy.base();
  const perAction = plan.sensitivities.filter((s) => s.consent === "per-action").map((s) => s.level);
  policy.get("consent")?.checks.add(
    new interactionPolicy.Check("per_action_consent", "scopes with per-action consent were requested", (ctx: KoaContextWithOIDC) => {
      if (ctx.oidc.result?.["consent"]) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const requested = [...(ctx.oidc.requestParamScopes as Set<string>)];
      return requested.some((s) => perAction.includes(scopeSensitivity(plan, s))) ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  // A scope the user declined earlier is offered again when a client asks for it again.
  policy.get("consent")?.checks.add(
    new interactionPolicy.Check("declined_scopes_requested", "scopes declined earlier were requested again", (ctx: KoaContextWithOIDC) => {
      if (ctx.oidc.result?.["consent"] || !ctx.oidc.grant) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const requested = ctx.oidc.requestParamScopes as Set<string>;
      for (const indicator of Object.keys(ctx.oidc.resourceServers ?? {})) {
        const rejected = ctx.oidc.grant.getRejectedResourceScope(indicator).split(" ");
        if (rejected.some((s: string) => s && requested.has(s))) return interactionPolicy.Check.REQUEST_PROMPT;
      }
      return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}

/** Builds the oidc-provider configuration (minus interactions' rendering, which lives in interactions.ts). */
export function providerConfiguration(input: ProviderConfigInput): Configuration {
  const { plan } = input;
  const users = new Map(plan.dev.users.map((u) => [u.username, u]));
  const dcr = dcrTier(plan);
  const cimd = plan.tiers.find((t) => t.registration === "cimd");

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
    async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
      const u = users.get(sub);
      if (!u) return undefined;
      return { accountId: sub, claims: async () => ({ sub, name: u.name, email: u.email, groups: u.groups }) };
    },
    interactions: { policy: interactionPolicyFor(plan), url: async (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      // RFC 8707: every token is for one MCP server; `aud` is its resource URI.
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: KoaContextWithOIDC, _client: unknown, oneOf?: string[]) => oneOf ?? (plan.servers.length === 1 ? plan.servers[0]?.resource : undefined),
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx: KoaContextWithOIDC, resourceIndicator: string, client: { clientId: string }) {
          const server = serverByResource(plan, resourceIndicator);
          if (!server) throw new errors.InvalidTarget(`resource '${resourceIndicator}' is not an MCP server of plan '${plan.name}'; known: ${plan.servers.map((s) => s.resource).join(", ")}`);
          const tier = tierOfClient(plan, client.clientId);
          const scopes = tierScopes(server, tier);
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
          client.clientId === EDGE_INTROSPECTION_CLIENT_ID || token.clientId === client.clientId,
      },
      // RFC 7009 (opaque tokens; JWT access tokens are handled in jwt-token-state.ts): own tokens only.
      revocation: { enabled: true, allowedPolicy: async (_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string }) => token.clientId === client.clientId },
      clientCredentials: { enabled: plan.tiers.some((t) => t.grantTypes.includes("client_credentials")) },
      // RFC 7591, only when the plan has a DCR tier. Redirect URIs are checked in extraClientMetadata.validator.
      registration: { enabled: dcr !== undefined, initialAccessToken: false, issueRegistrationAccessToken: false },
      // draft-ietf-oauth-client-id-metadata-document: only documents on the cimd tier's allowed domains.
      ...(cimd
        ? {
            clientIdMetadataDocument: {
              enabled: true,
              ack: "draft-02",
              allowFetch: async (_ctx: KoaContextWithOIDC, clientId: string) => {
                const host = new URL(clientId).hostname.toLowerCase();
                return cimd.allowedDomains.some((d) => host === d.toLowerCase() || host.endsWith(`.${d.toLowerCase()}`));
              },
            },
          }
        : {}),
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
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
        const grants = (metadata.grant_types ?? ["authorization_code"]) as string[];
        const forbidden = grants.filter((g) => !dcr.grantTypes.includes(g as never));
        if (forbidden.length) throw new errors.InvalidClientMetadata(`grant_types ${forbidden.join(", ")} are not allowed for tier '${dcr.name}' (allowed: ${dcr.grantTypes.join(", ")})`);
        for (const uri of (metadata.redirect_uris ?? []) as string[]) {
          const problem = redirectUriProblem(dcr, uri);
          if (problem) {
            // RFC 7591 §3.2.2 invalid_redirect_uri, with the rule that refused it.
            const err = new errors.InvalidRedirectUri();
            err.error_description = problem;
            throw err;
          }
        }
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
      RefreshToken: (ctx: KoaContextWithOIDC, token: { resource?: string; remainingTTL?: number }, client: { clientId: string }) => {
        const rotated = ctx?.oidc?.entities.RotatedRefreshToken as { remainingTTL?: number } | undefined;
        const server = token.resource ? serverByResource(plan, token.resource) : plan.servers[0];
        const full = refreshTokenSeconds(server, tierOfClient(plan, client.clientId));
        // Rotation keeps the original expiry (the family does not live longer than declared).
        return rotated?.remainingTTL !== undefined ? Math.min(full, rotated.remainingTTL) : full;
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
