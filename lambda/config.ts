import * as z from "zod/mini";

/**
 * The edge configuration for one MCP server: everything the edge enforces, derived from the plan
 * plus what an IdP target knows (issuer, JWKS, audience forms). Validated once at module load, so
 * a bad config fails the cold start loudly with the field named. zod/mini keeps the bundle small.
 */
export const EDGE_CONFIG_VERSION = 1 as const;

// Schema instances are immutable (`.check` clones), so common ones are built once and shared: fewer
// constructions at module load and a smaller bundle.
const Str = z.string();
const Strs = z.array(Str);
const OptStrs = z.optional(Strs);
// A refinement rather than z.number(): one schema kind fewer (smaller bundle); same check (finite number).
const Num = z.custom<number>((n) => typeof n === "number" && Number.isFinite(n), { message: "expected a finite number", abort: true });
// z.literal with a list rather than z.enum / z.boolean: one schema kind fewer each (about 1.2 KB of
// bundle); same validation, same `invalid_value` issue naming the field.
const Sensitivity = z.literal(["routine", "high", "critical"]);
// Refinements rather than z.minLength/z.minimum/z.maximum: one check kind keeps the bundle smaller.
const NonEmpty = Str.check(z.refine((s) => s.length > 0, { message: "must not be empty" }));
/** One shared check instance for every list that must not be empty. */
const AtLeastOne = z.refine<readonly unknown[]>((a) => a.length > 0, { message: "needs at least one entry" });
const NonEmptyStrs = z.array(NonEmpty).check(AtLeastOne);
/** An absolute http(s) URL (a refinement instead of `z.url()` keeps the bundle smaller). */
const Url = Str.check(z.refine((s) => /^https?:\/\/[^/?#\s]+/i.test(s) && URL.canParse(s), { message: "expected an absolute http(s) URL" }));
const Operation = z.strictObject({
  /** Every scope the operation needs. */
  scopes: Strs,
  /** Highest sensitivity among `scopes`; picks the maximum token age. */
  sensitivity: Sensitivity,
});

export const EdgeConfigSchema = z.strictObject({
  configVersion: z.literal(EDGE_CONFIG_VERSION),
  /** Server name from the plan (for logs and audit). */
  server: NonEmpty,
  /** Canonical resource URI: RFC 9728 `resource`, byte-exact. */
  resource: Url,
  /** RFC 9728 `resource_name`. */
  resourceName: NonEmpty,
  /** RFC 9728 `authorization_servers`: the IdP issuer strings, byte-exact (RFC 8414 §3.3). */
  authorizationServers: z.array(Url).check(AtLeastOne),
  /** Accepted `iss` values (exact string comparison). */
  issuers: NonEmptyStrs,
  /** Where the issuer publishes its keys. */
  jwksUri: Url,
  /** Deploy-time JWKS snapshot so a cold start needs no network call. */
  jwks: z.optional(z.looseObject({ keys: z.array(z.looseObject({ kty: Str })) })),
  /** JWS algorithms accepted (never `none` or HMAC). */
  algorithms: z.array(z.literal(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"])).check(AtLeastOne),
  /** Accepted `aud` values: the resource URI, plus e.g. Entra v2's client-ID GUID. */
  audiences: NonEmptyStrs,
  /** Accepted JWT `typ` header values (e.g. `at+jwt`, RFC 9068 §2.1). Absent: not checked. */
  tokenTypes: OptStrs,
  /** Leeway for `exp`/`nbf`/`iat`, seconds. */
  clockToleranceSeconds: Num.check(z.refine((n) => n >= 0 && n <= 300, { message: "must be between 0 and 300 seconds" })),
  /** Token scope value → declared scope (e.g. Entra `scp` short names). Unmapped values are taken as-is. */
  scopeAliases: z.record(Str, Str),
  /**
   * IdP roles → declared scopes (Entra app roles in `roles`). A token with neither `scp` nor `scope`
   * (app-only, client credentials) holds exactly what its roles grant; a delegated token's scope
   * listed in `requireForScopes` counts only when one of its roles grants it too (group gating).
   * Unknown roles grant nothing; a claim that is not an array of strings is a 401 `invalid_token`.
   * Absent: roles are ignored.
   */
  roles: z.optional(
    z.strictObject({
      /** Claim holding the roles (an array of strings). Default `roles`. */
      claim: z.optional(NonEmpty),
      /** Role value → the declared scopes it grants (implications apply). */
      grants: z.record(Str, Strs),
      /** Delegated scopes that need a granting role as well. Default: none. */
      requireForScopes: OptStrs,
    }),
  ),
  /** Declared scopes: sensitivity and everything holding the scope grants (implication closure). */
  scopes: z.record(Str, z.strictObject({ sensitivity: Sensitivity, grants: Strs })),
  /** RFC 9728 `scopes_supported`: the mandatory scopes only, never `offline_access`. */
  scopesSupported: Strs,
  /** Maximum token age (now − iat) per sensitivity, seconds: the declared access-token lifetime. */
  maxTokenAgeSeconds: z.strictObject({ routine: Num, high: Num, critical: Num }),
  /** Per-operation scopes. Methods not listed here need only a valid token. */
  operations: z.strictObject({
    tools: z.record(Str, Operation),
    resources: z.record(Str, Operation),
    prompts: z.record(Str, Operation),
  }),
  /** Browser origins allowed (MCP transport: Origin validation, 403 otherwise). */
  allowedOrigins: Strs,
  /** Scopes whose tokens are checked by RFC 7662 introspection on each use (immediate revocation). */
  introspection: z.optional(
    z.strictObject({
      endpoint: Url,
      clientId: NonEmpty,
      /** Name of the environment variable holding the client secret (never the secret itself). */
      clientSecretEnv: z.optional(Str),
      scopes: Strs,
      /** Positive-result cache bound, seconds. */
      cacheSeconds: Num.check(z.refine((n) => n >= 0 && n <= 60, { message: "must be between 0 and 60 seconds" })),
    }),
  ),
  /** Tenant and agent identity claims. */
  claims: z.strictObject({
    tenant: z.optional(z.strictObject({ claim: Str, required: z.literal([true, false]) })),
    agent: z.optional(z.strictObject({ claim: Str })),
  }),
  /** Gateway mode: where allowed requests go. */
  upstream: z.optional(Url),
  /**
   * `tools/call` / `resources/read` / `prompts/get` naming an operation the plan does not declare:
   * `deny` (default, fail closed: 403) or `allow` (valid token only).
   */
  undeclaredOperations: z.optional(z.literal(["deny", "allow"])),
  /**
   * Gateway mode: `signed` (default) sends the upstream a short-lived identity assertion JWT;
   * `none` forwards without one (only for an upstream that trusts the network path).
   */
  upstreamAssertion: z.optional(z.literal(["signed", "none"])),
});
export type EdgeConfig = z.infer<typeof EdgeConfigSchema>;

/** Thrown at cold start when the config is invalid; the message names every bad field. */
export class EdgeConfigError extends Error {
  override readonly name = "EdgeConfigError";
}

/** Validates an edge config (call once, at module load). */
export function parseEdgeConfig(input: unknown): EdgeConfig {
  // jitless: the config is parsed once, so compiling a fast path (new Function) only costs cold start.
  const r = EdgeConfigSchema.safeParse(input, { jitless: true });
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  - ${i.path.length ? i.path.map(String).join(".") : "(root)"}: ${i.code === "custom" ? i.message : i.code}${"expected" in i ? ` (expected ${String(i.expected)})` : ""}${"keys" in i ? ` ${String(i.keys)}` : ""}${"values" in i ? ` (expected one of ${i.values.map(String).join(", ")})` : ""}`);
  throw new EdgeConfigError(`Invalid edge config:\n${lines.join("\n")}`);
}
