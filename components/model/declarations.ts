import { z } from "zod";
import { URI_TEMPLATE_RULE, uriTemplateRegExp } from "../../lambda/core/uri-template.js";
import { SensitivitySchema } from "./sensitivity.js";

/**
 * The declaration model: what a platform team writes. Schemas are strict (an unknown key is a
 * mistake, reported with its path), structural only: policy bounds (lifetimes, caps, scope
 * names) are left to the guardrail rules so that `check` can explain them with a fix hint.
 * Cross-references (a tool naming an undeclared scope, …) are checked in `validate.ts`.
 */

/** MCP server, tier and group names: lowercase slugs, used in resource names and plan keys. */
export const SlugSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, "expected a lowercase slug: a letter, then letters, digits or '-' (at most 63)");

/** MCP tool and prompt names (MCP spec: 1–128 characters of A–Z a–z 0–9 _ - .). */
export const ToolNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, "expected an MCP tool name: 1–128 letters, digits, '_', '-' or '.'");

const isHttpUrl = (v: string): boolean => {
  try {
    const u = new URL(v);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
};

/** An absolute http(s) URL. Whether it is canonical is a guardrail rule, not a parse error. */
export const HttpUrlSchema = z.string().refine(isHttpUrl, "expected an absolute http(s) URL");

/**
 * An exact browser origin. The `Origin` header is compared as a whole string (RFC 6454 §7.1; MCP
 * transport: servers must validate it), so a wildcard could never match and is refused, as for
 * redirect URIs.
 */
export const OriginSchema = z.string().superRefine((v, ctx) => {
  if (!isHttpUrl(v)) ctx.addIssue({ code: "custom", message: "expected an absolute http(s) URL" });
  else if (v.includes("*")) {
    ctx.addIssue({ code: "custom", message: "a wildcard origin never matches an Origin header; list each exact origin (e.g. https://app.example.com)" });
  }
});

/** A scope declaration, keyed by its name (`<domain>:<resource>:<verb>`). */
export const ScopeDeclarationSchema = z.strictObject({
  /** Shown on consent screens; say what the holder can do. */
  description: z.string().min(1, "a scope needs a description for the consent screen"),
  /** Short label for consent screens. Default: the scope name. */
  displayName: z.string().min(1).optional(),
  /** Drives lifetimes, consent and who may hold the scope. Required by the `scope-has-sensitivity` rule. */
  sensitivity: SensitivitySchema.optional(),
  /** Narrower scopes this one implies (e.g. `crm:customers:write` implies `crm:customers:read`). */
  implies: z.array(z.string()).optional(),
});
export type ScopeDeclaration = z.infer<typeof ScopeDeclarationSchema>;

/** An MCP operation (tool, resource or prompt) and the scopes it requires (all of them). */
export const OperationDeclarationSchema = z.strictObject({
  scopes: z.array(z.string()),
  description: z.string().optional(),
});
export type OperationDeclaration = z.infer<typeof OperationDeclarationSchema>;

export const ConsentDeclarationSchema = z.strictObject({
  /** Scopes requested at install: the server's `scopes_supported`. Default: its routine scopes not listed elsewhere. */
  mandatory: z.array(z.string()).optional(),
  /** Routine scopes the user may decline at install. */
  optional: z.array(z.string()).optional(),
  /** Scopes never requested at install; challenged (403 insufficient_scope) on first use. Default: high and critical. */
  stepUp: z.array(z.string()).optional(),
  /** Re-consent cadence in days per level. Default: high 90, critical 30. */
  reconsentDays: z.strictObject({ high: z.number().int().positive().optional(), critical: z.number().int().positive().optional() }).optional(),
});
export type ConsentDeclaration = z.infer<typeof ConsentDeclarationSchema>;

const MinutesPerSensitivitySchema = z.strictObject({
  routine: z.number().int().positive().optional(),
  high: z.number().int().positive().optional(),
  critical: z.number().int().positive().optional(),
});

export const RefreshTokenDeclarationSchema = z.strictObject({
  /** Absolute refresh-token lifetime in days. Default 30. */
  lifetimeDays: z.number().int().positive().optional(),
  /** Idle lifetime in days (a refresh token unused this long expires). Default: none beyond the lifetime. */
  idleDays: z.number().int().positive().optional(),
  /** Rotate refresh tokens on every use. Default true; OAuth 2.1 requires it for public clients. */
  rotation: z.boolean().optional(),
});

export const TokenDeclarationSchema = z.strictObject({
  /** Access-token lifetime in minutes per sensitivity. Defaults: routine 60, high 15, critical 5. */
  accessTokenMinutes: MinutesPerSensitivitySchema.optional(),
  refreshToken: RefreshTokenDeclarationSchema.optional(),
  /** Levels whose tokens must be revocable at once (the edge introspects them). Default: ["critical"]. */
  immediateRevocation: z.array(SensitivitySchema).optional(),
});
export type TokenDeclaration = z.infer<typeof TokenDeclarationSchema>;

export const ServerDeclarationSchema = z.strictObject({
  /** Short name used for resource names and plan keys, e.g. `crm`. */
  name: SlugSchema,
  /** Canonical resource URI: https, non-empty path, no trailing slash, query or fragment (RFC 8707 §2, RFC 9728 §3). */
  resource: HttpUrlSchema,
  /** Human-readable name, served as RFC 9728 `resource_name`. */
  displayName: z.string().min(1),
  description: z.string().optional(),
  /** Tools by name (`tools/call` → `params.name`). */
  tools: z.record(ToolNameSchema, OperationDeclarationSchema),
  /** Resources by URI (`resources/read` → `params.uri`). */
  resources: z.record(z.string().min(1), OperationDeclarationSchema).optional(),
  /**
   * Resource templates by RFC 6570 level-1 URI template (e.g. `crm://customers/{id}`): the scopes
   * `resources/read`, `resources/subscribe` and `completion/complete` need for every URI the template
   * expands to. A URI declared under `resources` takes precedence.
   */
  resourceTemplates: z.record(z.string().refine((t) => uriTemplateRegExp(t) !== undefined, `expected ${URI_TEMPLATE_RULE}`), OperationDeclarationSchema).optional(),
  /** Prompts by name (`prompts/get` → `params.name`). */
  prompts: z.record(ToolNameSchema, OperationDeclarationSchema).optional(),
  consent: ConsentDeclarationSchema.optional(),
  /** Overrides of the top-level token policy for this server (it can only be shorter in practice; rules check bounds). */
  tokens: TokenDeclarationSchema.optional(),
  /** Browser origins allowed to call the server (MCP transport: Origin validation), each exact. Default: none (non-browser clients only). */
  allowedOrigins: z.array(OriginSchema).optional(),
  /** Upstream MCP server the edge forwards allowed requests to (gateway mode). */
  upstream: HttpUrlSchema.optional(),
  /**
   * Who is the MCP authorization server: `direct` (the IdP itself) or `front` (the authorization
   * front, federating sign-in to the IdP; docs/front.md). Undeclared: direct, without trade-off findings.
   */
  authorization: z.enum(["direct", "front"]).optional(),
  /**
   * `enforce` (default): the edge refuses what the policy refuses. `observe`: a rollout mode — the edge
   * forwards what it would refuse (without an identity assertion) and records the would-be decision
   * and reason in the audit record (`would: "deny"`); never for production (docs/edge.md, "Observe mode").
   */
  enforcement: z.enum(["enforce", "observe"]).optional(),
  /**
   * Per-caller lists: the edge filters `tools/list` (and the prompt, resource and template lists) to
   * what the caller's token can use, marked private to the caller. Default false (docs/edge.md).
   */
  filterLists: z.boolean().optional(),
});
export type ServerDeclaration = z.infer<typeof ServerDeclarationSchema>;

export const REGISTRATION_KINDS = ["pre-registered", "cimd", "dcr", "client-credentials"] as const;
export const GRANT_TYPES = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
  "urn:ietf:params:oauth:grant-type:device_code",
  "urn:ietf:params:oauth:grant-type:token-exchange",
  "urn:ietf:params:oauth:grant-type:jwt-bearer",
  // Declared only so that the guardrails can name them: OAuth 2.1 removed both.
  "implicit",
  "password",
] as const;
export const TOKEN_ENDPOINT_AUTH_METHODS = ["none", "private_key_jwt", "client_secret_basic", "client_secret_post"] as const;

export const ClientDeclarationSchema = z.strictObject({
  /** Client name, unique within the tier. */
  name: SlugSchema,
  /** Display name for consent screens. */
  displayName: z.string().min(1).optional(),
  /** Exact redirect URIs (https, or loopback http for native clients). */
  redirectUris: z.array(z.string()).optional(),
  /** For CIMD clients: the client ID metadata document URL (the client_id). */
  metadataDocumentUrl: HttpUrlSchema.optional(),
  /** For private_key_jwt clients: where the IdP fetches the client's keys. */
  jwksUri: HttpUrlSchema.optional(),
});
export type ClientDeclaration = z.infer<typeof ClientDeclarationSchema>;

export const TierExceptionSchema = z.strictObject({
  /** A scope above the tier's cap that this tier may hold anyway. */
  scope: z.string(),
  /** Why; reviewed in pull requests. At least 20 characters. */
  justification: z.string().min(20, "a justification must say why, in at least 20 characters"),
});

export const TierDeclarationSchema = z.strictObject({
  description: z.string().optional(),
  /** How clients of this tier get their identity. */
  registration: z.enum(REGISTRATION_KINDS),
  /** Public clients hold no secret (native, browser); confidential ones authenticate at the token endpoint. */
  clientType: z.enum(["public", "confidential"]),
  grantTypes: z.array(z.enum(GRANT_TYPES)).min(1),
  /** PKCE method required for the authorization-code grant. Default S256. */
  pkce: z.enum(["S256", "plain", "none"]).optional(),
  /** Default: `none` for public clients, `private_key_jwt` for confidential ones. */
  tokenEndpointAuthMethod: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).optional(),
  /** The highest sensitivity a client of this tier may hold. */
  maxSensitivity: SensitivitySchema,
  /** Restrict the tier to these scopes (and what they imply). Default: every scope up to `maxSensitivity`. */
  scopes: z.array(z.string()).optional(),
  /** Scopes above the cap this tier may hold, each with a justification. */
  exceptions: z.array(TierExceptionSchema).optional(),
  /** Pre-registered (or admin-registered CIMD) clients of this tier. */
  clients: z.array(ClientDeclarationSchema).optional(),
  /** CIMD: hosts whose client ID metadata documents are trusted. */
  allowedDomains: z.array(z.string().min(1)).optional(),
  /** DCR: redirect URIs a registering client may use (exact, or loopback with any port). */
  allowedRedirectUris: z.array(z.string()).optional(),
  /** DCR: registrations per minute per source address. Default 10. */
  registrationRateLimitPerMinute: z.number().int().positive().optional(),
  /** Token lifetimes for this tier (capped by the server's). */
  tokens: TokenDeclarationSchema.omit({ immediateRevocation: true }).optional(),
});
export type TierDeclaration = z.infer<typeof TierDeclarationSchema>;

export const GroupDeclarationSchema = z.strictObject({
  description: z.string().optional(),
  /** The group's name in the IdP (SSO mapping). Default: the key. */
  idpGroup: z.string().min(1).optional(),
  /** Scopes members may be granted (and what they imply). */
  scopes: z.array(z.string()).min(1),
});
export type GroupDeclaration = z.infer<typeof GroupDeclarationSchema>;

export const ClaimsDeclarationSchema = z.strictObject({
  /** Tenant identity carried in tokens, e.g. `{ claim: "org_id" }`. The edge requires it when `required`. */
  tenant: z.strictObject({ claim: z.string().min(1), required: z.boolean().optional() }).optional(),
  /** Agent (actor) identity, e.g. RFC 8693 `act`. */
  agent: z.strictObject({ claim: z.string().min(1) }).optional(),
});

export const DevUserSchema = z.strictObject({
  username: SlugSchema,
  name: z.string().optional(),
  email: z.string().email().optional(),
  groups: z.array(z.string()).optional(),
});

export const McpAuthDeclarationSchema = z.strictObject({
  /** Name of this taxonomy (used in resource names). */
  name: SlugSchema,
  description: z.string().optional(),
  scopes: z.record(z.string(), ScopeDeclarationSchema),
  servers: z.array(ServerDeclarationSchema).min(1, "declare at least one MCP server"),
  tiers: z.record(SlugSchema, TierDeclarationSchema),
  /** Default re-consent cadence for all servers. */
  consent: ConsentDeclarationSchema.pick({ reconsentDays: true }).optional(),
  tokens: TokenDeclarationSchema.optional(),
  groups: z.record(SlugSchema, GroupDeclarationSchema).optional(),
  claims: ClaimsDeclarationSchema.optional(),
  /** Seed data for the embedded local stack only. */
  dev: z.strictObject({ users: z.array(DevUserSchema).optional() }).optional(),
  /** Tuning for guardrail rules that are judgement calls. */
  guardrails: z
    .strictObject({
      /** Warn when more tools than this share one scope. Default 8. */
      sprawlLimit: z.number().int().positive().optional(),
      /**
       * Organisation bounds on access-token minutes per sensitivity. They can only tighten the
       * built-in bounds (60 / 15 / 5): a larger value is ignored.
       */
      maxAccessTokenMinutes: z
        .strictObject({ routine: z.number().int().positive().optional(), high: z.number().int().positive().optional(), critical: z.number().int().positive().optional() })
        .optional(),
      /** Organisation bound on refresh-token lifetime, days; can only tighten the built-in 90. */
      maxRefreshTokenDays: z.number().int().positive().optional(),
    })
    .optional(),
});

/** What `defineMcpAuth` accepts (input type: optional fields may be omitted). */
export type McpAuthDeclarationInput = z.input<typeof McpAuthDeclarationSchema>;
/** A parsed declaration. */
export type McpAuthDeclaration = z.infer<typeof McpAuthDeclarationSchema>;
