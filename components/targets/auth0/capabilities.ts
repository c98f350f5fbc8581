import { capability, VIA_THE_FRONT, type Capability, type CapabilityReport } from "../capabilities.js";

const c = capability;

/**
 * What the Auth0 target expresses natively and what it leaves to the edge or to the platform team,
 * for any plan. Ids match the other targets' reports so the README table lines up. Sources:
 * `@pulumi/auth0` 3.49.0 type definitions, Auth0's documentation (access-token profiles, API access
 * policies, third-party applications, CIMD, RBAC for APIs) and the pitfalls in the project's reference notes
 * (11: `resource` needs the compatibility profile; 12: DCR clients are third-party; 14: issuer slash).
 */
export const AUTH0_CAPABILITY_ITEMS: readonly Capability[] = [
  c("audience", "Token audience = canonical resource URI", "native", "One Auth0 API per MCP server whose identifier is the canonical resource URI, which Auth0 puts in `aud`."),
  c("rfc8707-resource", "RFC 8707 `resource` parameter", "partial", "Only with the tenant's Resource Parameter Compatibility Profile (`tenant.manage` sets it) and an empty Default Audience; a client that also sends `audience` wins over `resource`."),
  c("issuer-discovery", "Authorization-server discovery", "native", "Issuer `https://<domain>/` with Auth0's trailing slash; the edge advertises it byte-exact in `authorization_servers` and accepts only that `iss`."),
  c("token-type", "Access-token `typ`", "native", "`tokenDialect: rfc9068_profile` issues RFC 9068 JWTs (`typ: at+jwt`, `client_id`, `jti`), signed RS256 or PS256; the edge requires `at+jwt`."),
  c("per-scope-lifetime", "Access-token lifetime per sensitivity", "partial", "Auth0 has one lifetime per API, set explicitly to the shortest any scope or tier on it requires (its default is a day); the edge enforces each sensitivity's maximum age from `iat`. Put high or critical tools on their own MCP server to keep routine tokens long."),
  c("mixed-sensitivity", "Mixed-sensitivity requests", "native", "A token for an API always has the API's (shortest) lifetime, whatever mix of scopes it carries."),
  c("refresh-lifetime", "Refresh-token lifetime and idle window", "native", "Per client: expiring refresh tokens with the tier's lifetime and idle window (the shortest over the APIs it holds scopes on); offline access only on APIs where a tier declaring `refresh_token` holds scopes."),
  c("refresh-critical", "No refresh token for critical grants", "native", "Auth0 allows offline access per API, so an API on which a tier declaring `refresh_token` may hold a critical scope gets `allowOfflineAccess: false`: none of its tokens can be refreshed. Keep critical tools on their own MCP server so that routine ones keep refresh tokens."),
  c("refresh-rotation", "Refresh-token rotation", "native", "`rotationType: rotating` (with `expiring`) where declared."),
  c("scopes-supported", "Minimal `scopes_supported`", "edge", "Auth0 publishes no per-API scope list; the edge serves the server's mandatory scopes in RFC 9728 metadata, never `offline_access`."),
  c("no-default-scopes", "No default scopes", "native", "User and client access require a client grant, and Auth0 then issues only scopes the client requests explicitly."),
  c("consent-install", "Consent at install (routine)", "native", "Third-party clients (DCR, CIMD) always see Auth0's consent screen; first-party clients see it too because the target turns `skipConsentForVerifiableFirstPartyClients` off. Scope descriptions are shown when `tenant.manage` sets the flag."),
  c("optional-scopes", "Optional scopes the user may decline", "partial", "Optional scopes stay out of `scopes_supported` so clients request them separately; Auth0's consent screen cannot decline individual scopes of one request.", VIA_THE_FRONT.optionalScopes),
  c("consent-explicit", "Explicit consent for high scopes (step-up)", "partial", "The edge answers 403 `insufficient_scope`; Auth0 asks for consent to scopes not yet consented, then remembers it."),
  c("consent-per-action", "Per-action consent (critical)", "unsupported", "Auth0 remembers consent per user and client; it cannot ask per action. Critical tokens live 5 minutes; per-action confirmation belongs in the MCP server (e.g. elicitation).", VIA_THE_FRONT.perAction),
  c("reconsent-cadence", "Re-consent cadence (days)", "unsupported", "Auth0 keeps consent until revoked; delete user grants (Management API `/api/v2/grants`) older than the cadence on a schedule (not automated here).", VIA_THE_FRONT.reconsent),
  c("tier-scope-cap", "Scopes a tier may hold", "native", "One client grant per declared client and API listing only the tier's scopes there; DCR and self-identified CIMD clients share the third-party default grant, limited to scopes every such tier may hold."),
  c("grant-types", "Grant types per tier", "native", "Client `grantTypes` use the real values; `implicit`, `password` and JWT bearer are refused before anything is created."),
  c("pkce", "PKCE", "partial", "Auth0 requires PKCE for public clients using the code flow; it cannot require it for confidential clients or refuse `plain`."),
  c("pre-registered-clients", "Pre-registered (verified) clients", "native", "First-party `auth0.Client` per declared client, app type from its redirect URIs (overridable)."),
  c("exact-redirect-uris", "Exact redirect URIs", "partial", "Declared clients get their exact callbacks (no wildcards); CIMD clients' come from their document. Auth0 cannot restrict the redirect URIs a DCR client registers."),
  c("client-auth", "Token-endpoint authentication", "native", "`auth0.ClientCredentials` per client (`none`, `client_secret_post`/`basic`, `private_key_jwt`); private_key_jwt needs the client's public key PEM because Auth0 cannot fetch a `jwks_uri`."),
  c("client-credentials", "Agents (client credentials)", "native", "Non-interactive first-party clients with a client grant of subject type `client`; APIs no agent holds scopes on deny client access."),
  c("cimd", "Client ID metadata documents (URL client ids)", "partial", "Declared CIMD clients are registered with `auth0.ClientCimd` and get their tier's grant. Auth0 cannot limit other CIMD clients to the tier's allowed domains, so those only get the third-party default grant.", VIA_THE_FRONT.cimd),
  c("dcr", "Dynamic client registration", "partial", "Open registration via the tenant flag (opt-in); every DCR client is third-party and gets only the default grant within the DCR cap. No redirect-URI policy or registration rate limit on Auth0.", VIA_THE_FRONT.dcr),
  c("domain-connection", "Sign-in for third-party clients", "partial", "Third-party clients only see domain-level connections; the component creates one when `domainConnection` is given, otherwise promote an existing connection by hand."),
  c("groups", "Group restrictions", "native", "Opt-in (`groups: { mode: \"rbac\" }`; off by default): an `auth0.Role` per group named after its `idpGroup`, whose `RolePermissions` list every (API, scope) the group may hold, and RBAC (`enforcePolicies`) on every API, so Auth0 puts in a user token only requested scopes the user's roles hold (a user with no role gets none). Client-credentials (agent) tokens are not subject to RBAC. Assigning users to roles stays yours (`auth0.UserRoles`, the dashboard, or a post-login Action mapping enterprise-connection groups), and an Action that sets scopes overrides RBAC."),
  c("tenant-claim", "Tenant claim", "partial", "Auth0 Organizations add `org_id` when users sign in through an organization (not provisioned here); other claim names need a post-login Action. The edge requires the claim when declared required."),
  c("agent-claim", "Agent (actor) claim", "partial", "Auth0 adds no `act` claim; agents are identified by `client_id` (`sub` is `<client id>@clients`). The edge reads the declared claim when present."),
  c("immediate-revocation", "Immediate revocation", "unsupported", "Auth0 offers no RFC 7662 introspection for JWT access tokens, so a critical token stays valid until it expires (5 minutes by default); revoke refresh tokens and grants to stop new ones.", VIA_THE_FRONT.revocation),
  c("implications", "Scope implications (hierarchy)", "edge", "Auth0 has no scope hierarchy; the edge expands implications when checking a token's scopes."),
  c("per-tool-scopes", "Per-tool scopes", "edge", "The edge checks each tool, resource and prompt's scopes from the JSON-RPC body."),
  c("browser-origins", "Browser clients (CORS)", "partial", "Per client `allowedOrigins`/`webOrigins` (`clients.<tier>.<client>.allowedOrigins`); the edge enforces the server's allowed origins."),
];

/** The Auth0 target's capability report (README table via `renderCapabilityTable`). */
export const AUTH0_CAPABILITIES: CapabilityReport = { target: "auth0", items: AUTH0_CAPABILITY_ITEMS };
