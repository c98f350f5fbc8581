import type { CapabilityReport } from "../capabilities.js";

/**
 * What the Auth0 target expresses natively and what it leaves to the edge or to the platform team.
 * Rendered into the README by `renderCapabilityTable`. Facts: idp-mapping.md §3, mcp-authorization.md
 * pitfalls 11, 12 and 14.
 */
export const AUTH0_CAPABILITIES: CapabilityReport = {
  target: "auth0",
  items: [
    {
      id: "audience-per-server",
      policy: "Token audience = canonical resource URI",
      support: "native",
      how: "One Auth0 API per MCP server; its identifier is the canonical resource URI, which Auth0 puts in `aud`.",
    },
    {
      id: "rfc8707-resource",
      policy: "RFC 8707 `resource` selects the audience",
      support: "partial",
      how: "Only with the tenant's Resource Parameter Compatibility Profile (`tenant.manage` sets it) and an empty Default Audience; an `audience` parameter still wins over `resource`.",
    },
    {
      id: "issuer-exact",
      policy: "Issuer advertised byte-exact",
      support: "native",
      how: "The edge publishes `https://<domain>/` with Auth0's trailing slash in `authorization_servers` and accepts exactly that `iss`.",
    },
    {
      id: "jwt-profile",
      policy: "RFC 9068 JWT access tokens",
      support: "native",
      how: "`tokenDialect: rfc9068_profile` (typ `at+jwt`, `client_id`, `jti`), RS256 or PS256 so the edge verifies through JWKS.",
    },
    {
      id: "per-scope-lifetime",
      policy: "Access-token lifetime per sensitivity",
      support: "partial",
      how: "Auth0 has one lifetime per API, so each API gets the shortest lifetime any scope or tier on it requires; the edge enforces the declared maximum age per sensitivity from `iat`. Put high or critical tools on their own MCP server to keep routine tokens long.",
    },
    {
      id: "refresh-tokens",
      policy: "Refresh tokens: lifetime, idle, rotation",
      support: "native",
      how: "Per client (`refreshToken`: rotating, expiring, absolute and idle lifetime); offline access is allowed only on APIs where a tier declaring `refresh_token` holds scopes.",
    },
    {
      id: "tier-scope-caps",
      policy: "Scopes a client tier may hold",
      support: "native",
      how: "User and client access require a client grant; each client's grant lists only its tier's scopes on that API. The edge re-checks scopes per operation.",
    },
    {
      id: "consent",
      policy: "Consent per sensitivity (install / explicit / per action)",
      support: "partial",
      how: "Third-party clients (DCR, CIMD) always see the consent screen; first-party clients skip it only on APIs whose scopes are all install-consent. Auth0 remembers consent per user and client, so per-action consent is not possible; the edge bounds critical tokens to their maximum age.",
    },
    {
      id: "reconsent-cadence",
      policy: "Re-consent cadence",
      support: "unsupported",
      how: "Auth0 keeps user consent until it is revoked; schedule deletion of user grants (Management API `/api/v2/grants`) older than the cadence.",
    },
    {
      id: "step-up",
      policy: "Step-up for high and critical scopes",
      support: "edge",
      how: "The edge answers 403 `insufficient_scope` with the operation's scopes; the client re-authorizes for them. Auth0 issues what the grant allows when asked.",
    },
    {
      id: "pre-registered-clients",
      policy: "Pre-registered (verified) clients",
      support: "native",
      how: "First-party `auth0.Client` with exact callbacks, its app type and `ClientCredentials` auth method; Auth0 requires PKCE for public clients.",
    },
    {
      id: "pkce",
      policy: "PKCE S256 required",
      support: "partial",
      how: "Auth0 requires PKCE for public clients using the code flow but cannot require it for confidential ones or forbid `plain`.",
    },
    {
      id: "cimd",
      policy: "CIMD clients (URL client ids)",
      support: "partial",
      how: "Declared CIMD clients are registered with `auth0.ClientCimd` and get their tier's grant; Auth0 cannot restrict other CIMD clients to the tier's allowed domains, so they only get the third-party default grant.",
    },
    {
      id: "dcr",
      policy: "Dynamic client registration",
      support: "partial",
      how: "Open DCR via the tenant flag; every DCR client is third-party and gets only the default grant (scopes common to all DCR and CIMD tiers, within their caps). Auth0 cannot restrict DCR redirect URIs or rate-limit registrations.",
    },
    {
      id: "domain-connection",
      policy: "Sign-in for third-party clients",
      support: "partial",
      how: "Third-party clients only see domain-level connections; the component can create one (`domainConnection`), otherwise promote an existing connection by hand.",
    },
    {
      id: "machine-clients",
      policy: "Agent (client-credentials) clients",
      support: "native",
      how: "Non-interactive first-party clients with a client grant of subject type `client`; private_key_jwt needs the client's public key PEM.",
    },
    {
      id: "immediate-revocation",
      policy: "Immediate revocation of critical tokens",
      support: "unsupported",
      how: "Auth0 offers no RFC 7662 introspection for JWT access tokens, so a critical token stays valid until it expires (5 minutes by default); revoke the refresh token or grant to stop new ones.",
    },
    {
      id: "group-scopes",
      policy: "Scopes per IdP group",
      support: "unsupported",
      how: "Not provisioned by this target; map groups to Auth0 RBAC roles and permissions yourself (enforcePolicies), or enforce at the upstream.",
    },
  ],
};
