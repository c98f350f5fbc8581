import { capability, VIA_THE_FRONT, type Capability, type CapabilityReport } from "../capabilities.js";
import type { McpAuthPlan } from "../../plan/schema.js";
import { agentTiers, ENTRA_MIN_ACCESS_TOKEN_MINUTES, preRegisteredTiers, type EntraPlanSpec } from "./mapping.js";

const c = capability;

/**
 * What the Entra target expresses natively, what the edge enforces instead, and what cannot work
 * on Entra at all. Sources: `@pulumi/azuread` 6.9.1 type definitions, Microsoft Graph
 * (permissionScope, identifier-URI restrictions, tokenLifetimePolicy), and pitfalls 1–8 of the
 * project's MCP authorization notes.
 */
export const ENTRA_CAPABILITIES: readonly Capability[] = [
  c("audience", "Token audience = canonical resource URI", "partial", "One application per MCP server whose identifier URI is the resource, but v2 access tokens carry the application's client-ID GUID in `aud`; the edge accepts exactly that GUID and the identifier URI for its own server, so a sibling server's token is refused.", VIA_THE_FRONT.resource),
  c("verified-domain", "Resource host on a verified domain", "native", "Entra only accepts an https identifier URI on a verified domain (or a subdomain of one). The component checks every resource host against `verifiedDomains` or the tenant's verified domains before creating anything; a server on `*.azurewebsites.net` or a dev tunnel cannot use Entra."),
  c("token-version", "v2 access tokens only", "native", "`requestedAccessTokenVersion: 2`; the edge accepts only the v2 issuer `https://login.microsoftonline.com/<tenant>/v2.0`, so a v1 token (`sts.windows.net`) is refused."),
  c("rfc8707-resource", "RFC 8707 `resource` parameter", "partial", "Entra accepts `resource` only when it equals an identifier URI and agrees with the requested scopes (otherwise AADSTS9010010 / AADSTS901002). Because the identifier URI is the resource and the edge advertises scopes qualified with it, a client sending both succeeds; the audience is chosen by the scope prefix, not by `resource`.", VIA_THE_FRONT.resource),
  c("scope-naming", "Scope strings clients request", "edge", "Entra needs `<identifier URI>/<value>` in the authorization request and puts the short value in `scp`. The edge advertises the qualified form in `scopes_supported` and challenges, and maps each short `scp` value back (`scopeAliases`). Declared names are legal Entra values (`:` is allowed); illegal ones are mapped deterministically."),
  c("issuer-discovery", "Authorization-server discovery with PKCE advertised", "unsupported", "Entra serves only OIDC discovery and omits `code_challenge_methods_supported`, so spec-strict MCP clients must refuse to proceed (MCP 2025-11-25 AS metadata rule). No correct fix exists at the edge: metadata served elsewhere cannot carry Entra's issuer (RFC 8414 §3.3) — see `discovery-shim`. Use clients that accept a configured client ID and Entra's OIDC discovery.", VIA_THE_FRONT.discovery),
  c("discovery-shim", "Discovery / registration shim at the edge", "unsupported", "Not shipped. A shim would have to publish RFC 8414 metadata under its own issuer while Entra issues the codes and tokens (its own `iss`), which breaks RFC 8414 §3.3 issuer identity, RFC 9207 mix-up checks (if Entra adds `iss` to responses), ID-token `iss` checks for clients requesting `openid`, and MCP's issuer-bound client credentials. Use the pre-registered client IDs instead."),
  c("pkce", "PKCE S256", "partial", "Entra supports S256 for public clients (required for the SPA platform) but does not advertise it and cannot be told to require PKCE for every client."),
  c("pre-registered-clients", "Pre-registered (verified) clients", "native", "Each declared client of a pre-registered tier is an application (public client: mobile/desktop loopback URIs, SPA for https URIs) with a service principal, pre-authorized on every server for its tier's scopes (no consent prompt). Client IDs are outputs to hand to users (MCP: pre-registered client information first)."),
  c("exact-redirect-uris", "Exact redirect URIs", "native", "Declared URIs verbatim on the client application; Entra matches them exactly (Entra's localhost exception for native loopback URIs relaxes the port; verify live)."),
  c("grant-types", "Grant types", "partial", "Implicit grant issuance is off on every application and the public-client fallback (device code, ROPC) is disabled; Entra cannot otherwise restrict grant types per application."),
  c("consent-install", "Consent at install (routine)", "native", "Routine scopes are `type: User` with the declared display name and description as user-consent strings."),
  c("consent-explicit", "Explicit consent for high scopes (step-up)", "partial", "High and critical scopes are `type: Admin`: users cannot consent; an administrator consents in the portal or through `grantAdminConsent` (tenant-wide grant for the verified clients). The edge's 403 `insufficient_scope` drives the step-up; Entra remembers consent afterwards."),
  c("consent-per-action", "Per-action consent (critical)", "unsupported", "Entra remembers consent; it cannot ask again per action. Keep critical tools on their own server, rely on the edge's 5-minute maximum token age, and confirm per action in the MCP server (e.g. elicitation).", VIA_THE_FRONT.perAction),
  c("optional-scopes", "Optional scopes the user may decline", "unsupported", "Entra's consent prompt is all-or-nothing for the requested scopes; clients must request optional scopes separately.", VIA_THE_FRONT.optionalScopes),
  c("reconsent-cadence", "Re-consent cadence", "unsupported", "Entra delegated-permission grants never expire; delete them on the declared cadence through Microsoft Graph (`oauth2PermissionGrants`), not automated by this target.", VIA_THE_FRONT.reconsent),
  c("per-scope-lifetime", "Access-token lifetime per sensitivity", "edge", "Entra has one access-token lifetime per service principal (Graph token lifetime policy, 10 min–1 day, Entra ID P1; no azuread resource). The component outputs the policy body for the shortest declared lifetime on each server; the edge enforces the declared maximum age per sensitivity from `iat` whether or not the policy is applied (Entra's default is 60–90 min)."),
  c("refresh-lifetime", "Refresh-token lifetime", "partial", "Entra refresh-token lifetimes are not configurable; with `signInFrequency` the component creates a Conditional Access policy forcing sign-in every `lifetimeDays` days on each server application (Entra ID P1). Idle lifetimes cannot be expressed."),
  c("refresh-critical", "No refresh token for critical grants", "unsupported", "Entra issues a refresh token to any client that asks for `offline_access`, whatever the other scopes, and cannot withhold it per scope, so a refresh renews a critical grant without the user and resets `iat`, the edge's clock. `pulumi-mcp-auth check` warns (`per-action-consent-direct`).", VIA_THE_FRONT.refreshCritical),
  c("refresh-rotation", "Refresh-token rotation", "partial", "Entra returns a new refresh token on each use, but does not document invalidating the previous one (verify live)."),
  c("tier-scope-cap", "Scopes a tier may hold", "partial", "Pre-authorization lists exactly the verified tier's scopes, but Entra lets any client registered in the tenant request User-type scopes with user consent, and Admin-type ones after admin consent; the edge does not check the client."),
  c("client-credentials", "Agents (client credentials)", "partial", "Each client of a client-credentials tier is a confidential application assigned one application permission (app role with `allowedMemberTypes: Application`, value `app.<scope>`) per scope its tier holds on each server; the assignment is the admin consent. App-only tokens (requested for `<identifier URI>/.default`) carry them in `roles` and no `scp`, and `idtyp: app` because each server application requests the `idtyp` optional claim in access tokens; the edge maps each back to its scope (`roles.grants`), so the agent holds exactly its tier's scopes. The component creates no credential: add a certificate (private_key_jwt) or secret to each agent application."),
  c("cimd", "Client ID metadata documents", "unsupported", "Entra's CIMD is a public preview that turns clients into agent identities and has no azuread resource; CIMD tiers get no access on Entra.", VIA_THE_FRONT.cimd),
  c("dcr", "Dynamic client registration", "unsupported", "Entra has no DCR. Hand users the pre-registered client IDs (`clientIds` output) and let the client be configured with one.", VIA_THE_FRONT.dcr),
  c("groups", "Scopes per IdP group", "edge", "An app role per declared group (value `group.<name>`) is assigned to the group's object ID (`groupObjectIds`); Entra puts the app roles of a user's assigned groups in `roles` of delegated tokens (group-based assignment needs Entra ID P1/P2 and reaches direct members only: nested groups do not inherit app-role assignments). Entra issues delegated scopes regardless of groups, so the edge counts a delegated scope only when one of the token's group roles lists it (`roles.requireForScopes`); as on Okta, a user in no declared group holds nothing. A group without an object ID gets no assignment, so its members are refused (warned at deploy); `assignmentRequired` additionally stops token issuance to unassigned users."),
  c("tenant-claim", "Tenant claim", "partial", "Entra puts the tenant GUID in `tid` of every token; a custom tenant claim name needs a claims-mapping policy, not provisioned."),
  c("agent-claim", "Agent (actor) claim", "unsupported", "Entra does not mint an RFC 8693 `act` claim; `azp` names the client."),
  c("immediate-revocation", "Immediate revocation", "unsupported", "Entra offers no RFC 7662 introspection for custom APIs, so a token stays valid until it expires; the edge's maximum token age bounds a critical token to its declared minutes.", VIA_THE_FRONT.revocation),
  c("implications", "Scope implications (hierarchy)", "edge", "Entra issues exactly the requested scopes; the edge honours the declared implication closure."),
  c("per-tool-scopes", "Per-tool scopes", "edge", "The edge maps each tool, resource and prompt to its scopes."),
  c("token-type", "Access-token `typ`", "edge", "Entra access tokens carry `typ: JWT`, not `at+jwt`; the edge relies on `iss`, `aud`, RS256 signature and the tenant's JWKS."),
];

/**
 * The capability report for one plan: the baseline above plus what this plan in particular
 * cannot use on Entra (tiers that get no client, lifetimes below Entra's minimum).
 */
export function entraCapabilityReport(plan: McpAuthPlan, spec: EntraPlanSpec): CapabilityReport {
  const items: Capability[] = [...ENTRA_CAPABILITIES];
  const served = new Set([...preRegisteredTiers(plan), ...agentTiers(plan)].map((t) => t.name));
  for (const tier of plan.tiers) {
    const holds = plan.servers.some((s) => s.access.some((a) => a.tier === tier.name && a.scopes.length > 0));
    if (!holds) continue;
    if (!served.has(tier.name)) {
      const why =
        tier.registration === "dcr"
          ? "Entra has no DCR"
          : tier.registration === "cimd"
            ? "Entra's CIMD preview has no provider resource"
            : tier.registration === "client-credentials"
              ? "the tier has no client_credentials grant"
              : "the tier has no authorization-code grant";
      items.push(c(`tier:${tier.name}`, `Tier '${tier.name}' (${tier.registration})`, "unsupported", `No client of this tier can get a token on Entra (fails closed): ${why}.`));
    } else if (tier.clients.length === 0) {
      items.push(c(`tier:${tier.name}`, `Tier '${tier.name}' (${tier.registration})`, "unsupported", "The tier declares no clients, so nothing is pre-authorized or assigned; declare them (and pass `existingClients` for those that already exist)."));
    }
  }
  for (const s of spec.servers) {
    for (const level of s.edgeEnforcedLevels) {
      const server = plan.servers.find((x) => x.name === s.server)!;
      const m = server.accessTokenMinutes[level];
      items.push(
        c(
          `lifetime:${s.server}:${level}`,
          `${s.server}: ${level} tokens ${m} min`,
          "edge",
          `Entra's minimum is ${ENTRA_MIN_ACCESS_TOKEN_MINUTES} min, so the policy asks for ${s.idpAccessTokenMinutes}; the edge rejects ${level} operations with tokens older than ${m} min.`,
        ),
      );
    }
  }
  return { target: "entra", items };
}
