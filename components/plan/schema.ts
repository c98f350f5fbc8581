import { z } from "zod";
import { ConsentModeSchema, SensitivitySchema } from "../model/sensitivity.js";
import { GRANT_TYPES, REGISTRATION_KINDS, TOKEN_ENDPOINT_AUTH_METHODS } from "../model/declarations.js";

/**
 * The compiled plan: the single source of truth every consumer reads (targets, the edge, the
 * rules, the PR diff, the local stack). Plain data, deterministic (arrays sorted, no timestamps),
 * versioned by `planVersion`. Nothing downstream re-reads declarations.
 */
export const PLAN_VERSION = 1 as const;

const MinutesSchema = z.strictObject({ routine: z.number(), high: z.number(), critical: z.number() });
export type MinutesPerSensitivity = z.infer<typeof MinutesSchema>;

export const PlanRefreshTokenSchema = z.strictObject({
  lifetimeDays: z.number(),
  idleDays: z.number().optional(),
  rotation: z.boolean(),
});

export const PlanSensitivitySchema = z.strictObject({
  level: SensitivitySchema,
  accessTokenMinutes: z.number(),
  consent: ConsentModeSchema,
  reconsentDays: z.number().optional(),
  atInstall: z.boolean(),
  immediateRevocation: z.boolean(),
});

export const PlanScopeSchema = z.strictObject({
  name: z.string(),
  displayName: z.string(),
  description: z.string(),
  /** Effective sensitivity. A scope declared without one is treated as critical (fail closed) and flagged. */
  sensitivity: SensitivitySchema,
  sensitivityDeclared: z.boolean(),
  /** Direct implications as declared. */
  implies: z.array(z.string()),
  /** Every scope holding this one grants: itself plus the transitive closure of `implies`. */
  grants: z.array(z.string()),
  /** Servers whose operations or consent lists use this scope. */
  servers: z.array(z.string()),
});
export type PlanScope = z.infer<typeof PlanScopeSchema>;

export const OPERATION_KINDS = ["tool", "resource", "prompt"] as const;
export const PlanOperationSchema = z.strictObject({
  kind: z.enum(OPERATION_KINDS),
  /** Tool or prompt name, resource URI, or (with `template`) resource URI template. */
  name: z.string(),
  /** A resource template (RFC 6570 level 1): `name` covers every URI it expands to. Absent for fixed resources. */
  template: z.literal(true).optional(),
  description: z.string().optional(),
  /** Every scope the operation needs (all required). */
  scopes: z.array(z.string()),
  /** Highest sensitivity among `scopes` (routine when none). */
  sensitivity: SensitivitySchema,
});
export type PlanOperation = z.infer<typeof PlanOperationSchema>;

/** What one tier may hold on one server, and for how long. */
export const PlanServerAccessSchema = z.strictObject({
  tier: z.string(),
  scopes: z.array(z.string()),
  /** min(server, tier) access-token minutes per sensitivity. */
  accessTokenMinutes: MinutesSchema,
  refreshToken: PlanRefreshTokenSchema,
});
export type PlanServerAccess = z.infer<typeof PlanServerAccessSchema>;

export const PlanServerSchema = z.strictObject({
  name: z.string(),
  /** Canonical resource URI: RFC 8707 resource, RFC 9728 `resource`, token audience. */
  resource: z.string(),
  /** The resource as declared (differs from `resource` only in scheme/host case or default port). */
  declaredResource: z.string(),
  displayName: z.string(),
  description: z.string().optional(),
  operations: z.array(PlanOperationSchema),
  /** Every scope the server uses (operations and consent lists), sorted. */
  scopes: z.array(z.string()),
  consent: z.strictObject({
    /** The minimal `scopes_supported` (RFC 9728; MCP 2025-11-25 "minimal set"); never `offline_access`. */
    mandatory: z.array(z.string()),
    optional: z.array(z.string()),
    stepUp: z.array(z.string()),
    reconsentDays: z.strictObject({ high: z.number(), critical: z.number() }),
  }),
  /** Effective access-token minutes per sensitivity on this server. */
  accessTokenMinutes: MinutesSchema,
  refreshToken: PlanRefreshTokenSchema,
  /** Scopes whose tokens must be revocable immediately (the edge introspects them). */
  immediateRevocation: z.array(z.string()),
  allowedOrigins: z.array(z.string()),
  upstream: z.string().optional(),
  /** `direct` (the IdP is the authorization server) or `front` (the authorization front); absent = direct, not declared. */
  authorization: z.enum(["direct", "front"]).optional(),
  /** `observe`: the edge forwards what it would refuse and audits the would-be denial; absent = enforce. */
  enforcement: z.enum(["enforce", "observe"]).optional(),
  /** Per-caller list results at the edge; absent = off. */
  filterLists: z.literal(true).optional(),
  /** What each tier may hold here. */
  access: z.array(PlanServerAccessSchema),
  /** What each group's members may be granted here (SSO mapping). */
  groups: z.array(z.strictObject({ group: z.string(), scopes: z.array(z.string()) })),
});
export type PlanServer = z.infer<typeof PlanServerSchema>;

export const PlanClientSchema = z.strictObject({
  name: z.string(),
  displayName: z.string(),
  redirectUris: z.array(z.string()),
  metadataDocumentUrl: z.string().optional(),
  jwksUri: z.string().optional(),
});
export type PlanClient = z.infer<typeof PlanClientSchema>;

export const PlanTierSchema = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  registration: z.enum(REGISTRATION_KINDS),
  clientType: z.enum(["public", "confidential"]),
  grantTypes: z.array(z.enum(GRANT_TYPES)),
  pkce: z.enum(["S256", "plain", "none"]),
  tokenEndpointAuthMethod: z.enum(TOKEN_ENDPOINT_AUTH_METHODS),
  maxSensitivity: SensitivitySchema,
  /** Declared allowlist (before closure), or absent when the tier may hold everything up to its cap. */
  scopeAllowlist: z.array(z.string()).optional(),
  exceptions: z.array(z.strictObject({ scope: z.string(), justification: z.string() })),
  clients: z.array(PlanClientSchema),
  allowedDomains: z.array(z.string()),
  allowedRedirectUris: z.array(z.string()),
  registrationRateLimitPerMinute: z.number(),
  /** Tier-level access-token minutes per sensitivity (before the min with each server). */
  accessTokenMinutes: MinutesSchema,
  refreshToken: PlanRefreshTokenSchema,
});
export type PlanTier = z.infer<typeof PlanTierSchema>;

export const PlanGroupSchema = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  idpGroup: z.string(),
  /** As declared. */
  scopes: z.array(z.string()),
  /** Declared scopes plus everything they imply. */
  grants: z.array(z.string()),
});
export type PlanGroup = z.infer<typeof PlanGroupSchema>;

export const McpAuthPlanSchema = z.strictObject({
  planVersion: z.literal(PLAN_VERSION),
  name: z.string(),
  description: z.string().optional(),
  sensitivities: z.array(PlanSensitivitySchema),
  scopes: z.array(PlanScopeSchema),
  servers: z.array(PlanServerSchema),
  tiers: z.array(PlanTierSchema),
  groups: z.array(PlanGroupSchema),
  claims: z.strictObject({
    tenant: z.strictObject({ claim: z.string(), required: z.boolean() }).optional(),
    agent: z.strictObject({ claim: z.string() }).optional(),
  }),
  guardrails: z.strictObject({
    sprawlLimit: z.number(),
    /** Tighter access-token bounds than the built-in ones, per sensitivity (minutes). */
    maxAccessTokenMinutes: z.strictObject({ routine: z.number().optional(), high: z.number().optional(), critical: z.number().optional() }).optional(),
    /** Tighter refresh-token bound than the built-in 90 days. */
    maxRefreshTokenDays: z.number().optional(),
  }),
  dev: z.strictObject({
    users: z.array(z.strictObject({ username: z.string(), name: z.string(), email: z.string(), groups: z.array(z.string()) })),
  }),
});
export type McpAuthPlan = z.infer<typeof McpAuthPlanSchema>;
