/**
 * Okta API values used by the Okta target, as typed constants.
 *
 * The provider types every one of these as plain `string`, and Pulumi's generated doc comments print
 * several of them camel-cased (`authorizationCode`, `clientCredentials`, `client*secret*basic`), which
 * Okta rejects. The values below are the real snake_case API values (Okta Authorization Servers API;
 * upstream Terraform provider examples), kept in one place so that a typo is a type error.
 */

/** `okta.auth.ServerPolicyRule.grantTypeWhitelists` values this target emits. */
export const OKTA_RULE_GRANT = {
  authorizationCode: "authorization_code",
  clientCredentials: "client_credentials",
  deviceCode: "urn:ietf:params:oauth:grant-type:device_code",
  tokenExchange: "urn:ietf:params:oauth:grant-type:token-exchange",
} as const;
export type OktaRuleGrant = (typeof OKTA_RULE_GRANT)[keyof typeof OKTA_RULE_GRANT];

/** `okta.app.OAuth.grantTypes` values this target emits (the app also needs `refresh_token` for refresh). */
export const OKTA_APP_GRANT = {
  ...OKTA_RULE_GRANT,
  refreshToken: "refresh_token",
} as const;
export type OktaAppGrant = (typeof OKTA_APP_GRANT)[keyof typeof OKTA_APP_GRANT];

/** `okta.app.OAuth.tokenEndpointAuthMethod`. */
export const OKTA_AUTH_METHOD = {
  none: "none",
  privateKeyJwt: "private_key_jwt",
  clientSecretBasic: "client_secret_basic",
  clientSecretPost: "client_secret_post",
} as const;
export type OktaAuthMethod = (typeof OKTA_AUTH_METHOD)[keyof typeof OKTA_AUTH_METHOD];

/** `okta.app.OAuth.type`. */
export const OKTA_APP_TYPE = { web: "web", native: "native", browser: "browser", service: "service" } as const;
export type OktaAppType = (typeof OKTA_APP_TYPE)[keyof typeof OKTA_APP_TYPE];

/** `okta.app.OAuth.consentMethod` (Early Access: `API_ACCESS_MANAGEMENT_CONSENT`). */
export const OKTA_APP_CONSENT = { trusted: "TRUSTED", required: "REQUIRED" } as const;
export type OktaAppConsent = (typeof OKTA_APP_CONSENT)[keyof typeof OKTA_APP_CONSENT];

/** `okta.app.OAuth.refreshTokenRotation`. */
export const OKTA_REFRESH_ROTATION = { rotate: "ROTATE", static: "STATIC" } as const;
export type OktaRefreshRotation = (typeof OKTA_REFRESH_ROTATION)[keyof typeof OKTA_REFRESH_ROTATION];

/**
 * `okta.auth.ServerScope.consent`. `REQUIRED` also blocks services: a client-credentials request
 * naming such a scope is refused. `FLEXIBLE` asks users for consent exactly like `REQUIRED` but lets
 * services request the scope (Okta Admin Console: "User consent: Required", with "Block services from
 * requesting this scope" cleared; Okta Authorization Servers API, scope `consent`). The provider passes
 * the string through unchanged (its doc comment lists only the first two values).
 */
export const OKTA_SCOPE_CONSENT = { required: "REQUIRED", flexible: "FLEXIBLE", implicit: "IMPLICIT" } as const;
export type OktaScopeConsent = (typeof OKTA_SCOPE_CONSENT)[keyof typeof OKTA_SCOPE_CONSENT];

/** `okta.auth.ServerScope.metadataPublish`: whether the scope is listed in the AS metadata's `scopes_supported`. */
export const OKTA_METADATA_PUBLISH = { allClients: "ALL_CLIENTS", noClients: "NO_CLIENTS" } as const;
export type OktaMetadataPublish = (typeof OKTA_METADATA_PUBLISH)[keyof typeof OKTA_METADATA_PUBLISH];

/** `okta.auth.ServerClaim.claimType` (`RESOURCE` = access token) and `valueType`. */
export const OKTA_CLAIM_TYPE = { resource: "RESOURCE", identity: "IDENTITY" } as const;
export const OKTA_CLAIM_VALUE_TYPE = { expression: "EXPRESSION", groups: "GROUPS" } as const;

/** `okta.trustedorigin.Origin.scopes[].type`. */
export const OKTA_ORIGIN_SCOPE = { cors: "CORS", redirect: "REDIRECT" } as const;

/** `okta.auth.Server.issuerMode`. */
export const OKTA_ISSUER_MODES = ["ORG_URL", "CUSTOM_URL", "DYNAMIC"] as const;
export type OktaIssuerMode = (typeof OKTA_ISSUER_MODES)[number];

/** `groupWhitelists` value matching every user. */
export const OKTA_EVERYONE = "EVERYONE";

/** Okta's bounds on `ServerPolicyRule.accessTokenLifetimeMinutes` (minutes). */
export const OKTA_ACCESS_TOKEN_MINUTES = { min: 5, max: 1440 } as const;
/** Okta's bounds on `ServerPolicyRule.refreshTokenWindowMinutes` (minutes; 5 years). */
export const OKTA_REFRESH_WINDOW_MINUTES = { min: 5, max: 2_628_000 } as const;

/** Minutes per day, for refresh-token lifetimes declared in days. */
export const MINUTES_PER_DAY = 1440;
