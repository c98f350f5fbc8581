import type { McpAuthPlan, PlanClient, PlanServer, PlanTier } from "../../plan/schema.js";
import type { ParsedAuth0Args } from "./args.js";
import { grantsForServer, type Auth0GrantModel } from "./grants.js";
import { apiTokenLifetime, type ApiLifetimeDecision } from "./lifetime.js";
import { rolesForPlan, type Auth0RoleModel } from "./roles.js";
import {
  APP_TYPE,
  AUTH0_GRANT_TYPES,
  CLIENT_ACCESS_POLICY,
  REFRESH_EXPIRATION,
  REFRESH_ROTATION,
  RESOURCE_PARAMETER_PROFILE,
  TOKEN_DIALECT,
  USER_ACCESS_POLICY,
  type AppType,
  type Auth0GrantType,
  type AuthMethod,
  type SigningAlg,
} from "./values.js";

/**
 * The single record the Auth0 component is built from: every resource's key inputs and every
 * output, derived from the plan and the validated arguments. Plain data (no Pulumi), so it is
 * unit-tested directly and the component stays a thin loop over it.
 */
export interface Auth0Model {
  /** `https://<domain>/`: Auth0's issuer ends with a slash (RFC 8414 §3.3 compares it byte for byte). */
  issuer: string;
  jwksUri: string;
  servers: Auth0ServerModel[];
  clients: Auth0ClientModel[];
  tenant: Auth0TenantModel;
  domainConnection?: { name: string; disableSignup: boolean; enabledForClients: string[] };
  /** One role per plan group with `groups.mode: "rbac"`; empty otherwise. */
  roles: Auth0RoleModel[];
}

export interface Auth0ServerModel {
  name: string;
  resourceServer: {
    identifier: string;
    name: string;
    signingAlg: SigningAlg;
    /** `rfc9068_profile`, or `rfc9068_profile_authz` with `groups.permissionsClaim` (both `typ: at+jwt`). */
    tokenDialect: typeof TOKEN_DIALECT.rfc9068 | typeof TOKEN_DIALECT.rfc9068WithPermissions;
    tokenLifetime: number;
    tokenLifetimeForWeb: number;
    allowOfflineAccess: boolean;
    skipConsentForVerifiableFirstPartyClients: false;
    /** RBAC: true with `groups.mode: "rbac"` (unless `enforce: false`); user tokens then carry only scopes the user's roles hold. */
    enforcePolicies: boolean;
    subjectTypeAuthorization: { user: { policy: string }; client: { policy: string } };
  };
  /** `ResourceServerScopes`: owns every scope of the API (the taxonomy is the source of truth). */
  scopes: Array<{ name: string; description: string }>;
  lifetime: ApiLifetimeDecision;
  grants: Auth0GrantModel[];
}

export interface Auth0RefreshModel {
  rotationType: string;
  expirationType: string;
  tokenLifetime: number;
  idleTokenLifetime: number;
  infiniteTokenLifetime: false;
  infiniteIdleTokenLifetime: false;
  leeway: 0;
}

/** One client the component registers: an `auth0.Client` (+ `ClientCredentials`) or an `auth0.ClientCimd`. */
export interface Auth0ClientModel {
  /** `<tier>.<client>`: unique, used in logical names and outputs. */
  key: string;
  tier: string;
  client: string;
  kind: "client" | "cimd";
  name: string;
  description: string;
  appType: AppType;
  /** Third-party for CIMD (Auth0 always), first-party otherwise. */
  isFirstParty: boolean;
  grantTypes: Auth0GrantType[];
  /** Exact redirect URIs (no wildcards). CIMD: taken from the metadata document by Auth0. */
  callbacks: string[];
  allowedOrigins: string[];
  /** `ClientCredentials.authenticationMethod` (not for CIMD: the document declares it). */
  authMethod?: AuthMethod;
  externalClientId?: string;
  refreshToken?: Auth0RefreshModel;
}

/** Tenant-wide settings MCP needs; applied only with `tenant.manage`, always reported. */
export interface Auth0TenantModel {
  managed: boolean;
  /** RFC 8707: with `compatibility`, `resource` selects the API when `audience` is absent. */
  resourceParameterProfile: typeof RESOURCE_PARAMETER_PROFILE.compatibility;
  /** Open registration at `/oidc/register`: on only when the plan has a DCR tier. */
  enableDynamicClientRegistration: boolean;
  /** CIMD client ids: on only when the plan has a CIMD tier. */
  clientIdMetadataDocumentSupported: boolean;
  /** Consent screens show each scope's description rather than its name. */
  useScopeDescriptionsForConsent: true;
  /** Must stay empty: a default audience is appended to every request and beats `resource`. */
  defaultAudience: "";
  /** What must be done by hand (always non-empty when unmanaged). */
  manualSteps: string[];
}

const DAY_SECONDS = 86_400;

/** Maps the plan onto Auth0. Pure; the arguments must come from `parseAuth0Args`. */
export function buildAuth0Model(args: ParsedAuth0Args): Auth0Model {
  const { plan, domain } = args;
  const issuer = `https://${domain}/`;
  const clients = plan.tiers.flatMap((tier) => tier.clients.map((c) => clientModel(args, tier, c)));
  const servers = plan.servers.map((server) => serverModel(args, server));
  const hasDcr = plan.tiers.some((t) => t.registration === "dcr");
  const hasCimd = plan.tiers.some((t) => t.registration === "cimd");
  const firstParty = clients.filter((c) => c.isFirstParty && c.appType !== APP_TYPE.nonInteractive).map((c) => c.key);
  return {
    issuer,
    jwksUri: `${issuer}.well-known/jwks.json`,
    servers,
    clients,
    tenant: tenantModel(args, hasDcr, hasCimd),
    ...(args.domainConnection ? { domainConnection: { ...args.domainConnection, enabledForClients: firstParty } } : {}),
    roles: args.rbac ? rolesForPlan(plan) : [],
  };
}

function serverModel(args: ParsedAuth0Args, server: PlanServer): Auth0ServerModel {
  const { plan } = args;
  const lifetime = apiTokenLifetime(plan, server);
  const tierByName = new Map(plan.tiers.map((t) => [t.name, t]));
  const holders = server.access.filter((a) => a.scopes.length > 0).map((a) => tierByName.get(a.tier)!);
  const byName = new Map(plan.scopes.map((s) => [s.name, s]));
  // An undeclared level counts as critical (fail closed), as in the plan.
  const isCritical = (scope: string): boolean => (byName.get(scope)?.sensitivity ?? "critical") === "critical";
  const refreshers = server.access.filter((a) => a.scopes.length > 0 && tierByName.get(a.tier)!.grantTypes.includes("refresh_token"));
  return {
    name: server.name,
    resourceServer: {
      identifier: server.resource,
      name: server.displayName,
      signingAlg: args.signingAlg,
      tokenDialect: args.rbac?.permissionsClaim ? TOKEN_DIALECT.rfc9068WithPermissions : TOKEN_DIALECT.rfc9068,
      tokenLifetime: lifetime.seconds,
      // Must not exceed tokenLifetime (Auth0's web default is 7200 s); no implicit flow is used anyway.
      tokenLifetimeForWeb: lifetime.seconds,
      // Refresh tokens only where a tier holding scopes here declares the refresh_token grant, and
      // never on an API where such a tier may hold a critical scope: Auth0 allows offline access per
      // API, and a refresh would renew a per-action grant without the user (and reset `iat`).
      allowOfflineAccess: refreshers.length > 0 && !refreshers.some((a) => a.scopes.some(isCritical)),
      // Every declared consent mode shows consent at least at install (routine), so first-party clients
      // do not skip it either. Third-party clients (DCR, CIMD) always see Auth0's consent screen.
      skipConsentForVerifiableFirstPartyClients: false,
      // Group restrictions (RBAC): Auth0 intersects a user token's requested scopes with the user's
      // permissions. Client-credentials tokens are not subject to it (their client grant decides).
      enforcePolicies: args.rbac?.enforce ?? false,
      subjectTypeAuthorization: {
        // User-delegated access needs an explicit (or third-party default) client grant: tiers are grants.
        user: { policy: USER_ACCESS_POLICY.requireClientGrant },
        client: {
          policy: holders.some((t) => t.grantTypes.includes("client_credentials")) ? CLIENT_ACCESS_POLICY.requireClientGrant : CLIENT_ACCESS_POLICY.denyAll,
        },
      },
    },
    scopes: server.scopes.map((name) => ({ name, description: byName.get(name)?.description ?? name })),
    lifetime,
    grants: grantsForServer(plan, server),
  };
}

/** Default Auth0 app type for a client of a tier. */
export function defaultAppType(tier: PlanTier, client: PlanClient): AppType {
  if (tier.registration === "client-credentials" || !tier.grantTypes.includes("authorization_code")) return APP_TYPE.nonInteractive;
  if (tier.clientType === "confidential") return APP_TYPE.regularWeb;
  const allWeb = client.redirectUris.length > 0 && client.redirectUris.every((u) => isHttpsNonLoopback(u));
  return allWeb ? APP_TYPE.spa : APP_TYPE.native;
}

function isHttpsNonLoopback(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === "https:" && !["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
  } catch {
    return false;
  }
}

function clientModel(args: ParsedAuth0Args, tier: PlanTier, client: PlanClient): Auth0ClientModel {
  const override = args.clients[tier.name]?.[client.name];
  const cimd = tier.registration === "cimd";
  const grantTypes = tier.grantTypes.filter((g): g is keyof typeof AUTH0_GRANT_TYPES => g in AUTH0_GRANT_TYPES).map((g) => AUTH0_GRANT_TYPES[g]);
  const refresh = grantTypes.includes("refresh_token") ? refreshModel(args.plan, tier) : undefined;
  const description = `${tier.description ?? `${tier.name} tier`} [pulumi-mcp-auth ${args.plan.name}/${tier.name}/${client.name}]`.slice(0, 140);
  return {
    key: `${tier.name}.${client.name}`,
    tier: tier.name,
    client: client.name,
    kind: cimd ? "cimd" : "client",
    name: client.displayName,
    description,
    appType: override?.appType ?? defaultAppType(tier, client),
    isFirstParty: !cimd,
    grantTypes,
    callbacks: cimd ? [] : client.redirectUris,
    allowedOrigins: override?.allowedOrigins ?? [],
    ...(cimd ? { externalClientId: client.metadataDocumentUrl! } : { authMethod: tier.tokenEndpointAuthMethod }),
    ...(refresh ? { refreshToken: refresh } : {}),
  };
}

/**
 * Refresh-token settings of a tier's clients: the shortest lifetime the tier has on any server it
 * holds scopes on (a client's refresh token is per client on Auth0, not per API), rotation if any
 * server asks for it, idle lifetime capped by the absolute lifetime.
 */
function refreshModel(plan: McpAuthPlan, tier: PlanTier): Auth0RefreshModel {
  const entries = plan.servers.flatMap((s) => s.access.filter((a) => a.tier === tier.name && a.scopes.length > 0).map((a) => a.refreshToken));
  const all = entries.length > 0 ? entries : [tier.refreshToken];
  const lifetimeDays = Math.min(...all.map((r) => r.lifetimeDays));
  const idleDays = Math.min(lifetimeDays, ...all.map((r) => r.idleDays ?? r.lifetimeDays));
  const rotation = all.some((r) => r.rotation);
  return {
    rotationType: rotation ? REFRESH_ROTATION.rotating : REFRESH_ROTATION.nonRotating,
    expirationType: REFRESH_EXPIRATION.expiring,
    tokenLifetime: Math.round(lifetimeDays * DAY_SECONDS),
    idleTokenLifetime: Math.round(idleDays * DAY_SECONDS),
    infiniteTokenLifetime: false,
    infiniteIdleTokenLifetime: false,
    leeway: 0,
  };
}

function tenantModel(args: ParsedAuth0Args, hasDcr: boolean, hasCimd: boolean): Auth0TenantModel {
  const steps: string[] = [];
  if (!args.manageTenant) {
    steps.push(
      "Tenant Settings > Advanced: set the Resource Parameter Compatibility Profile to 'compatibility' (Management API: PATCH /api/v2/tenants/settings {\"resource_parameter_profile\":\"compatibility\"}) so the RFC 8707 resource parameter selects the API audience.",
      `Tenant Settings > Advanced: ${hasDcr ? "enable" : "keep disabled"} Dynamic Client Registration (flags.enable_dynamic_client_registration=${hasDcr}).`,
      `Tenant Settings > Advanced: ${hasCimd ? "enable" : "keep disabled"} Client ID Metadata Document support (client_id_metadata_document_supported=${hasCimd}).`,
      "Tenant Settings > Advanced: enable 'Use scope descriptions for consent' (flags.use_scope_descriptions_for_consent=true).",
    );
  }
  steps.push("Tenant Settings > API Authorization: keep the Default Audience empty; a default audience is added to every request and overrides the resource parameter.");
  // RFC 9207: `iss` in authorization responses is the client's mix-up defence; the auth0 provider
  // has no setting for Auth0's toggle, so it stays a manual step even when the tenant is managed.
  steps.push("Tenant Settings > Advanced: enable 'Include Issuer in Authorization Responses' so authorization responses carry iss (RFC 9207), which MCP clients check against the issuer they discovered.");
  if ((hasDcr || hasCimd) && !args.domainConnection) {
    steps.push("Promote the connection(s) your users sign in with to domain level (is_domain_connection=true): third-party clients (DCR, CIMD) only see domain-level connections.");
  }
  return {
    managed: args.manageTenant,
    resourceParameterProfile: RESOURCE_PARAMETER_PROFILE.compatibility,
    enableDynamicClientRegistration: hasDcr,
    clientIdMetadataDocumentSupported: hasCimd,
    useScopeDescriptionsForConsent: true,
    defaultAudience: "",
    manualSteps: steps,
  };
}
