import { capability, VIA_THE_FRONT, type Capability, type CapabilityReport } from "../capabilities.js";
import type { McpAuthPlan } from "../../plan/schema.js";
import { OKTA_ACCESS_TOKEN_MINUTES } from "./constants.js";
import type { OktaLayout } from "./layout.js";

const c = capability;

/**
 * What the Okta target expresses natively and what it leaves to the edge, for any plan. Sources:
 * `@pulumi/okta` 7.0.0 type definitions, Okta's access-policy documentation, and the pitfalls in
 * the project's reference notes (Okta DCR is admin-gated; custom vs org authorization server).
 */
export const OKTA_CAPABILITIES: readonly Capability[] = [
  c("audience", "Token audience = canonical resource URI", "native", "One custom authorization server per MCP server with `audiences: [resource]` (Okta allows one audience); the edge checks `aud` too."),
  c("rfc8707-resource", "RFC 8707 `resource` parameter", "partial", "Okta ignores `resource`, but the audience is fixed per authorization server, so a token can only be for its own MCP server; clients must use that server's issuer (RFC 9728 `authorization_servers`)."),
  c("issuer-discovery", "Authorization-server discovery", "partial", "Issuer is `https://<org>/oauth2/<id>`; Okta serves OIDC discovery under the issuer path, not RFC 8414 path-inserted metadata. The edge advertises the exact issuer."),
  c("per-scope-lifetime", "Access-token lifetime per sensitivity", "native", "A rule chain per tier: single-level rules (highest level first), then cumulative rules (lowest first), each with its level's `accessTokenLifetimeMinutes` (Okta range 5–1440)."),
  c("mixed-sensitivity", "Mixed-sensitivity requests", "partial", "Okta applies the first rule whose scope list holds every requested scope, so a request mixing levels lands on the cumulative rule of its highest level and gets the shortest lifetime. The chain gives the same result under any-overlap matching; verify live. Backstop: the edge's maximum token age per sensitivity (`iat`)."),
  c("refresh-lifetime", "Refresh-token lifetime and idle window", "native", "`refreshTokenLifetimeMinutes` = lifetime days × 1440 and `refreshTokenWindowMinutes` = idle days (or the lifetime), with `offline_access` in the rule and `refresh_token` on the app."),
  c("refresh-critical", "No refresh token for critical grants", "native", "Rules whose scopes include a critical level carry neither `offline_access` nor a refresh lifetime, so Okta issues no refresh token for a grant holding a critical scope. A request asking for `offline_access` together with a critical scope matches no rule and is refused: clients request critical scopes without it."),
  c("refresh-rotation", "Refresh-token rotation", "native", "`refreshTokenRotation: ROTATE` for public clients (OAuth 2.1 §4.3.1) and where declared."),
  c("scopes-supported", "Minimal `scopes_supported`", "native", "Mandatory scopes `metadataPublish: ALL_CLIENTS`, every other scope `NO_CLIENTS`; the edge serves the same list in RFC 9728 metadata, never `offline_access`."),
  c("no-default-scopes", "No default scopes", "native", "Every scope `default: false`: a request without `scope` gets none."),
  c("consent-install", "Consent at install (routine)", "native", "Every scope asks users for consent and every user-facing app has `consentMethod: REQUIRED` (Okta Early Access flag `API_ACCESS_MANAGEMENT_CONSENT`). Scopes an agent tier holds are `consent: FLEXIBLE` (users are still asked; services may request them), every other scope `REQUIRED` (which also blocks client-credentials requests)."),
  c("optional-scopes", "Optional scopes the user may decline", "native", "`optional: true` on the server's optional scopes; Okta lets the user untick them on the consent screen."),
  c("consent-explicit", "Explicit consent for high scopes (step-up)", "partial", "High scopes are never published and ask for consent when first requested; the edge answers 403 `insufficient_scope` so the client steps up. Okta remembers the grant afterwards."),
  c("consent-per-action", "Per-action consent (critical)", "unsupported", "Okta remembers a consent grant; it cannot ask again per action. Short lifetimes (5 min) and immediate revocation limit the exposure; per-action confirmation belongs in the MCP server (e.g. elicitation).", VIA_THE_FRONT.perAction),
  c("reconsent-cadence", "Re-consent cadence (days)", "unsupported", "Okta consent grants do not expire on a schedule. Revoke them periodically through Okta's user grants API (not automated by this target).", VIA_THE_FRONT.reconsent),
  c("tier-scope-cap", "Scopes a tier may hold", "native", "One access policy per tier listing its clients by id (never `ALL_CLIENTS`); its rules whitelist exactly the tier's scopes on the server (never `*`). An unlisted client matches no policy and is refused."),
  c("grant-types", "Grant types per tier", "native", "Rule `grantTypeWhitelists` and app `grantTypes` use the real values (`authorization_code`, `client_credentials`, …). `implicit` and `password` are refused; `jwt-bearer` has no Okta rule grant and is not provisioned."),
  c("pkce", "PKCE", "native", "`pkceRequired: true` on every authorization-code app (Okta enforces S256)."),
  c("exact-redirect-uris", "Exact redirect URIs", "native", "Apps get the declared URIs verbatim; wildcards are refused before deploy."),
  c("client-auth", "Token-endpoint authentication", "native", "`none` for public apps, `private_key_jwt` (with `jwksUri`) or `client_secret_*` for confidential ones; `omitSecret` keeps secrets out of state except for client_secret_* apps."),
  c("client-credentials", "Agents (client credentials)", "native", "Service apps in their tier's policy; their rules use `groupWhitelists: EVERYONE` because there is no user."),
  c("cimd", "Client ID metadata documents (URL client ids)", "unsupported", "Okta has no CIMD. Declared clients of a cimd tier are created as apps (admin-registered); clients from `allowedDomains` cannot get tokens unless registered and passed as `externalClients`.", VIA_THE_FRONT.cimd),
  c("dcr", "Dynamic client registration", "unsupported", "Okta's `/oauth2/v1/clients` needs an admin token (`okta.clients.register`), so MCP clients cannot self-register; anonymous DCR needs a registration proxy. Clients a platform registers are admitted by passing them as `externalClients`.", VIA_THE_FRONT.dcr),
  c("groups", "Group restrictions", "partial", "Rules per group (`groupWhitelists`) whitelist the tier's scopes that the group lists; apps are assigned to the groups; a user in no declared group gets no token. A single request spanning two groups' scope lists matches no rule and is refused (fails closed)."),
  c("tenant-claim", "Tenant claim", "native", "Access-token claim from an Okta expression (default `user.profile.<claim>`); the edge requires it when declared required."),
  c("agent-claim", "Agent (actor) claim", "partial", "Okta sets `cid` (the client) in every access token, used natively when the agent claim is `cid`. An RFC 8693 `act` object cannot be built from an Okta expression, so `act` is not minted; other names get `app.clientId`."),
  c("immediate-revocation", "Immediate revocation", "edge", "JWTs stay valid until `exp`; the edge introspects (`/v1/introspect`) tokens carrying immediate-revocation scopes, with a service app this target creates."),
  c("implications", "Scope implications (hierarchy)", "edge", "Okta issues exactly the requested scopes; the edge honours the declared implication closure."),
  c("per-tool-scopes", "Per-tool scopes", "edge", "The edge maps each tool, resource and prompt to its scopes."),
  c("browser-origins", "Browser clients (CORS)", "native", "A CORS trusted origin per declared allowed origin, so browser clients can call `/token`; the edge validates `Origin` on the MCP endpoint."),
  c("token-type", "Access-token `typ`", "edge", "Okta access tokens are not RFC 9068 `at+jwt` (public verifiers accept `application/okta-internal-at+jwt` or `JWT`), so the edge does not require a `typ` and relies on signature, `iss` and `aud`."),
];

/**
 * The capability report for one plan: the baseline above plus what this plan in particular leaves
 * to the edge or cannot use on Okta (tiers with no client, lifetimes outside Okta's range,
 * unsupported grants). Nothing declared is dropped silently.
 */
export function oktaCapabilityReport(plan: McpAuthPlan, layout: OktaLayout): CapabilityReport {
  const items: Capability[] = [...OKTA_CAPABILITIES];
  for (const tier of plan.tiers) {
    const hasPolicy = layout.servers.some((s) => s.policies.some((p) => p.tier === tier.name));
    const holds = plan.servers.some((s) => s.access.some((a) => a.tier === tier.name && a.scopes.length > 0));
    if (!hasPolicy && holds) {
      const why =
        tier.registration === "dcr"
          ? "Okta has no open DCR: run a registration proxy holding `okta.clients.register` and pass the ids it registers as `externalClients`"
          : tier.registration === "cimd"
            ? "Okta has no CIMD: declare the tier's clients (created as apps) or pass admin-registered ids as `externalClients`"
            : "the tier declares no clients: declare them or pass `externalClients`";
      items.push(c(`tier:${tier.name}`, `Tier '${tier.name}' (${tier.registration})`, "unsupported", `No access policy was created, so no client of this tier can get a token (fails closed); ${why}.`));
    }
    if (tier.grantTypes.includes("urn:ietf:params:oauth:grant-type:jwt-bearer")) {
      items.push(c(`grant:${tier.name}:jwt-bearer`, `Tier '${tier.name}': jwt-bearer grant`, "unsupported", "Okta access-policy rules have no jwt-bearer grant; it is not provisioned and such requests are refused."));
    }
  }
  for (const server of plan.servers) {
    for (const a of server.access) {
      for (const [level, m] of Object.entries(a.accessTokenMinutes)) {
        if (m < OKTA_ACCESS_TOKEN_MINUTES.min && a.scopes.length > 0) {
          const edge = server.accessTokenMinutes[level as keyof typeof a.accessTokenMinutes] <= m;
          items.push(
            c(
              `lifetime:${server.name}:${a.tier}:${level}`,
              `${server.name}/${a.tier}: ${level} tokens ${m} min`,
              edge ? "edge" : "partial",
              edge
                ? `Okta's minimum is ${OKTA_ACCESS_TOKEN_MINUTES.min} min, so the rule says ${OKTA_ACCESS_TOKEN_MINUTES.min}; the edge rejects tokens older than ${m} min.`
                : `Okta's minimum is ${OKTA_ACCESS_TOKEN_MINUTES.min} min and the edge enforces the server's ${server.accessTokenMinutes[level as keyof typeof a.accessTokenMinutes]} min, so this tier's ${m} min is not enforced; raise it to ${OKTA_ACCESS_TOKEN_MINUTES.min}.`,
            ),
          );
        }
      }
    }
  }
  return { target: "okta", items };
}
