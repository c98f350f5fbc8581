/**
 * The Auth0 Management API's enumerated string values, as typed literals.
 *
 * `@pulumi/auth0` types every one of these as plain `string`, and its generated doc comments print
 * camel-cased forms that Auth0 rejects (`rfc9068Profile`, `regularWeb`, `clientSecretPost`,
 * `publicKey`…; see docs/reference idp-mapping.md "Trap"). The values below are the API's real
 * snake_case values (auth0/terraform-provider-auth0 examples and the Management API schema), and
 * the Auth0 target uses nothing else.
 */

/** `ResourceServer.tokenDialect`. `rfc9068_profile` issues RFC 9068 JWTs with `typ: at+jwt`. */
export const TOKEN_DIALECT = {
  auth0: "access_token",
  auth0WithPermissions: "access_token_authz",
  rfc9068: "rfc9068_profile",
  rfc9068WithPermissions: "rfc9068_profile_authz",
} as const;
export type TokenDialect = (typeof TOKEN_DIALECT)[keyof typeof TOKEN_DIALECT];

/** The JWT `typ` header an `rfc9068_profile` API stamps on its access tokens (RFC 9068 §2.1). */
export const RFC9068_TOKEN_TYPE = "at+jwt";

/** `ResourceServer.signingAlg` values the edge can verify through JWKS (never HS256). */
export const SIGNING_ALGS = ["RS256", "PS256"] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** `ResourceServer.subjectTypeAuthorization.user.policy`. */
export const USER_ACCESS_POLICY = {
  allowAll: "allow_all",
  requireClientGrant: "require_client_grant",
  denyAll: "deny_all",
} as const;

/** `ResourceServer.subjectTypeAuthorization.client.policy` (client-credentials access). */
export const CLIENT_ACCESS_POLICY = {
  requireClientGrant: "require_client_grant",
  denyAll: "deny_all",
} as const;

/** `Client.appType` (and `ClientCimd.appType`, which accepts the first three only). */
export const APP_TYPE = {
  native: "native",
  spa: "spa",
  regularWeb: "regular_web",
  nonInteractive: "non_interactive",
} as const;
export type AppType = (typeof APP_TYPE)[keyof typeof APP_TYPE];
/** App types a CIMD client may have. */
export const CIMD_APP_TYPES = [APP_TYPE.native, APP_TYPE.spa, APP_TYPE.regularWeb] as const;

/** `ClientCredentials.authenticationMethod`. */
export const AUTH_METHOD = {
  none: "none",
  clientSecretPost: "client_secret_post",
  clientSecretBasic: "client_secret_basic",
  privateKeyJwt: "private_key_jwt",
} as const;
export type AuthMethod = (typeof AUTH_METHOD)[keyof typeof AUTH_METHOD];

/** `ClientCredentials.privateKeyJwt.credentials[].credentialType`. */
export const CREDENTIAL_TYPE_PUBLIC_KEY = "public_key";

/** `ClientGrant.subjectType`. */
export const SUBJECT_TYPE = { user: "user", client: "client" } as const;
export type SubjectType = (typeof SUBJECT_TYPE)[keyof typeof SUBJECT_TYPE];

/** `ClientGrant.defaultFor`: the grant every third-party client (DCR, self-identified CIMD) gets. */
export const DEFAULT_FOR_THIRD_PARTY = "third_party_clients";

/** `Tenant.resourceParameterProfile`: `compatibility` makes RFC 8707 `resource` select the audience. */
export const RESOURCE_PARAMETER_PROFILE = { audience: "audience", compatibility: "compatibility" } as const;

/** `Client.refreshToken.rotationType` / `expirationType`. Rotation requires `expiring`. */
export const REFRESH_ROTATION = { rotating: "rotating", nonRotating: "non-rotating" } as const;
export const REFRESH_EXPIRATION = { expiring: "expiring", nonExpiring: "non-expiring" } as const;

/** `Connection.strategy` for an Auth0 database connection. */
export const DATABASE_STRATEGY = "auth0";
/** `Connection.options.passwordPolicy` (none, low, fair, good, excellent) for the connection the target creates. */
export const PASSWORD_POLICY = "good";

/**
 * Grant types an Auth0 client accepts, keyed by the toolkit's names. `implicit` and `password`
 * are absent on purpose (OAuth 2.1 removed them) and so is JWT bearer, which Auth0 clients lack.
 */
export const AUTH0_GRANT_TYPES = {
  authorization_code: "authorization_code",
  refresh_token: "refresh_token",
  client_credentials: "client_credentials",
  "urn:ietf:params:oauth:grant-type:device_code": "urn:ietf:params:oauth:grant-type:device_code",
  "urn:ietf:params:oauth:grant-type:token-exchange": "urn:ietf:params:oauth:grant-type:token-exchange",
} as const;
export type Auth0GrantType = (typeof AUTH0_GRANT_TYPES)[keyof typeof AUTH0_GRANT_TYPES];
