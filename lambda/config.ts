import * as core from "zod/v4/core";
import { URI_TEMPLATE_RULE, uriTemplateRegExp } from "./core/uri-template.js";

/**
 * The edge configuration for one MCP server: everything the edge enforces, derived from the plan
 * plus what an IdP target knows (issuer, JWKS, audience forms). Validated with zod once at module
 * load, so a bad config fails the cold start loudly with the field named.
 *
 * Built on zod's core (`zod/v4/core`, the layer zod and zod/mini share) rather than zod/mini: the
 * same validation with less code in the bundle and about half the allocation and time at schema
 * construction, which runs on every cold start (bench/edge.ts notes). A small set of constructors
 * below stands in for the zod/mini helpers.
 */
export const EDGE_CONFIG_VERSION = 1 as const;

type Schema = core.$ZodType;
const Never = new core.$ZodNever({ type: "never" });
const Unknown = new core.$ZodUnknown({ type: "unknown" });
const string = (): core.$ZodString => new core.$ZodString({ type: "string" });
const array = <E extends Schema>(element: E) => new core.$ZodArray({ type: "array", element }) as unknown as core.$ZodArray<E>;
const optional = <I extends Schema>(innerType: I) => new core.$ZodOptional({ type: "optional", innerType }) as unknown as core.$ZodOptional<I>;
/** An object with exactly these members (unknown members are an `unrecognized_keys` issue). */
const strictObject = <S extends core.$ZodShape>(shape: S) => new core.$ZodObject({ type: "object", shape, catchall: Never }) as core.$ZodObject<S, core.$strict>;
/** An object with these members and any others. */
const looseObject = <S extends core.$ZodShape>(shape: S) => new core.$ZodObject({ type: "object", shape, catchall: Unknown }) as core.$ZodObject<S, core.$loose>;
const record = <V extends Schema>(keyType: core.$ZodString, valueType: V) => new core.$ZodRecord({ type: "record", keyType, valueType }) as unknown as core.$ZodRecord<core.$ZodString, V>;
/** One of these values (`invalid_value` naming them otherwise). */
const literal = <const L extends core.util.Literal>(values: readonly L[]) => new core.$ZodLiteral({ type: "literal", values: [...values] }) as core.$ZodLiteral<L>;
/** A value passing `fn` (`abort`: later checks of the same value are skipped when it fails). */
const custom = <O>(fn: (v: O) => boolean, message: string, abort = false) => new core.$ZodCustom({ type: "custom", check: "custom", fn: fn as (v: unknown) => boolean, error: () => message, abort }) as core.$ZodCustom<O, O>;
/** `schema` with `check` added (schemas are immutable: this builds a new one, as zod's `.check` does). */
function withCheck<S extends Schema>(schema: S, check: core.$ZodCustom): S {
  const def = schema._zod.def;
  return new schema._zod.constr({ ...def, checks: [...(def.checks ?? []), check] }) as S;
}

// Common schemas are built once and shared: fewer constructions at module load, a smaller bundle.
const Str = string();
const Strs = array(Str);
const OptStrs = optional(Strs);
const Num = custom<number>((n) => typeof n === "number" && Number.isFinite(n), "expected a finite number", true);
const Sensitivity = literal(["routine", "high", "critical"]);
const NonEmpty = withCheck(Str, custom<string>((s) => s.length > 0, "must not be empty"));
/** One shared check instance for every list that must not be empty. */
const AtLeastOne = custom<readonly unknown[]>((a) => a.length > 0, "needs at least one entry");
const NonEmptyStrs = withCheck(array(NonEmpty), AtLeastOne);
/** An absolute http(s) URL. */
const Url = withCheck(Str, custom<string>((s) => /^https?:\/\/[^/?#\s]+/i.test(s) && URL.canParse(s), "expected an absolute http(s) URL"));
const between = (lo: number, hi: number) => withCheck(Num, custom<number>((n) => n >= lo && n <= hi, `must be between ${lo} and ${hi} seconds`));
const Operation = strictObject({
  /** Every scope the operation needs. */
  scopes: Strs,
  /** Highest sensitivity among `scopes`; picks the maximum token age. */
  sensitivity: Sensitivity,
});
const Operations = record(Str, Operation);
/** Resource templates (RFC 6570 level 1) → operation; every key must be a valid template. */
const Templates = withCheck(
  Operations,
  custom<Record<string, unknown>>((r) => Object.keys(r).every((k) => uriTemplateRegExp(k) !== undefined), `every key must be ${URI_TEMPLATE_RULE}`),
);

export { NEVER_FORWARDED_HEADERS } from "./core/never-forwarded.js";
import { NEVER_FORWARDED_HEADERS } from "./core/never-forwarded.js";

export const EdgeConfigSchema = strictObject({
  configVersion: literal([EDGE_CONFIG_VERSION]),
  /** Server name from the plan (for logs and audit). */
  server: NonEmpty,
  /** Canonical resource URI: RFC 9728 `resource`, byte-exact. */
  resource: Url,
  /** RFC 9728 `resource_name`. */
  resourceName: NonEmpty,
  /** RFC 9728 `authorization_servers`: the IdP issuer strings, byte-exact (RFC 8414 §3.3). */
  authorizationServers: withCheck(array(Url), AtLeastOne),
  /** Accepted `iss` values (exact string comparison). */
  issuers: NonEmptyStrs,
  /** Where the issuer publishes its keys. */
  jwksUri: Url,
  /** Deploy-time JWKS snapshot so a cold start needs no network call. */
  jwks: optional(looseObject({ keys: array(looseObject({ kty: Str })) })),
  /** JWS algorithms accepted (never `none` or HMAC). */
  algorithms: withCheck(array(literal(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"])), AtLeastOne),
  /** Accepted `aud` values: the resource URI, plus e.g. Entra v2's client-ID GUID. */
  audiences: NonEmptyStrs,
  /** Accepted JWT `typ` header values (e.g. `at+jwt`, RFC 9068 §2.1). Absent: not checked. */
  tokenTypes: OptStrs,
  /** Leeway for `exp`/`nbf`/`iat`, seconds. */
  clockToleranceSeconds: between(0, 300),
  /** Token scope value → declared scope (e.g. Entra `scp` short names). Unmapped values are taken as-is. */
  scopeAliases: record(Str, Str),
  /**
   * IdP roles → declared scopes (Entra app roles in `roles`). An app-only token (client
   * credentials), recognised only by `idtyp: "app"`, holds exactly what its roles grant; any other
   * token is delegated: it holds its `scp`/`scope` (none when it has neither), and a scope
   * listed in `requireForScopes` counts only when one of its roles grants it too (group gating).
   * Unknown roles grant nothing; a claim that is not an array of strings is a 401 `invalid_token`.
   * Absent: roles are ignored.
   */
  roles: optional(
    strictObject({
      /** Claim holding the roles (an array of strings). Default `roles`. */
      claim: optional(NonEmpty),
      /** Role value → the declared scopes it grants (implications apply). */
      grants: record(Str, Strs),
      /** Delegated scopes that need a granting role as well. Default: none. */
      requireForScopes: OptStrs,
    }),
  ),
  /** Declared scopes: sensitivity and everything holding the scope grants (implication closure). */
  scopes: record(Str, strictObject({ sensitivity: Sensitivity, grants: Strs })),
  /** RFC 9728 `scopes_supported`: the mandatory scopes only, never `offline_access`. */
  scopesSupported: Strs,
  /** Maximum token age (now − iat) per sensitivity, seconds: the declared access-token lifetime. */
  maxTokenAgeSeconds: strictObject({ routine: Num, high: Num, critical: Num }),
  /**
   * Per-operation scopes. `tools/call`, `prompts/get` and `resources/read` are authorized by the
   * operation they name; `resources/subscribe`/`unsubscribe` and `completion/complete` by the
   * resource (or template) or prompt they reference. `resourceTemplates` (RFC 6570 level-1 URI
   * templates) cover every URI they expand to. Only `initialize`, `ping`, `server/discover`, the
   * list methods, notifications and responses need just a valid token; every other method is refused.
   */
  operations: strictObject({ tools: Operations, resources: Operations, prompts: Operations, resourceTemplates: optional(Templates) }),
  /** Browser origins allowed (MCP transport: Origin validation, 403 otherwise). */
  allowedOrigins: Strs,
  /** Scopes whose tokens are checked by RFC 7662 introspection on each use (immediate revocation). */
  introspection: optional(
    strictObject({
      endpoint: Url,
      clientId: NonEmpty,
      /** Name of the environment variable holding the client secret (never the secret itself). */
      clientSecretEnv: optional(Str),
      scopes: Strs,
      /** Positive-result cache bound, seconds. */
      cacheSeconds: between(0, 60),
      /**
       * Whether the issuer issues opaque (non-JWT) access tokens that only introspection can check.
       * Default false: a token that is not a JWS is refused locally and never sent to the IdP.
       */
      opaqueTokens: optional(literal([true, false])),
      /** How long an `active: false` answer is remembered, seconds. Default 10. */
      negativeCacheSeconds: optional(between(0, 300)),
      /** Introspection calls one source (client IP) may cause per minute; beyond it 429. Default 30. */
      maxCallsPerSourcePerMinute: optional(withCheck(Num, custom<number>((n) => Number.isInteger(n) && n >= 1 && n <= 100_000, "must be an integer between 1 and 100000"))),
    }),
  ),
  /**
   * The authorization front's revocation list (`GET /revocations`), read at most every
   * `cacheSeconds`: the bound within which a revoked token is refused (revocation-list.ts).
   */
  revocationList: optional(
    strictObject({
      endpoint: Url,
      clientId: NonEmpty,
      /** Name of the environment variable holding the client secret (never the secret itself). */
      clientSecretEnv: NonEmpty,
      cacheSeconds: between(0, 60),
    }),
  ),
  /** Tenant and agent identity claims. */
  claims: strictObject({
    tenant: optional(strictObject({ claim: Str, required: literal([true, false]) })),
    agent: optional(strictObject({ claim: Str })),
  }),
  /** Gateway mode: where allowed requests go. */
  upstream: optional(Url),
  /**
   * `tools/call` / `resources/read` / `prompts/get` naming an operation the plan does not declare:
   * `deny` (default, fail closed: 403 with a JSON-RPC error, no challenge) or `allow` (valid token only).
   */
  undeclaredOperations: optional(literal(["deny", "allow"])),
  /**
   * `enforce` (default) or `observe`: forward what the policy would refuse (token, scope and method
   * refusals), without an identity assertion, and audit it with `would: "deny"`. Origin checks, tokens
   * in the URL, malformed requests and oversized bodies are refused in both modes.
   */
  enforcement: optional(literal(["enforce", "observe"])),
  /**
   * Gateway mode: `true` filters `tools/list`, `prompts/list`, `resources/list` and
   * `resources/templates/list` results to what the caller's token can use and marks them
   * `cacheScope: "private"` (MCP 2026-07-28 caching). Default false.
   */
  filterLists: optional(literal([true, false])),
  /**
   * Gateway mode: `signed` (default) sends the upstream a short-lived identity assertion JWT;
   * `none` forwards without one (only for an upstream that trusts the network path).
   */
  upstreamAssertion: optional(literal(["signed", "batched", "none"])),
  /**
   * Gateway mode: request headers forwarded to the upstream besides the MCP transport headers and
   * `Accept`, `Content-Type`, `User-Agent` (the edge forwards an allow-list). Lowercase field names;
   * credentials, hop-by-hop fields and what the edge sets itself are refused. Default: none.
   */
  forwardHeaders: optional(
    array(
      withCheck(
        Str,
        // Every `x-forwarded-*` name: the edge describes the hop itself, so a client's must never pass.
        custom<string>((s) => /^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(s) && !NEVER_FORWARDED_HEADERS.has(s) && !s.startsWith("x-forwarded-"), "must be a lowercase header name, not a credential, hop-by-hop or edge-set header (docs/edge.md)"),
      ),
    ),
  ),
});
export type EdgeConfig = core.output<typeof EdgeConfigSchema>;

/** Thrown at cold start when the config is invalid; the message names every bad field. */
export class EdgeConfigError extends Error {
  override readonly name = "EdgeConfigError";
}

/** Validates an edge config (call once, at module load). */
export function parseEdgeConfig(input: unknown): EdgeConfig {
  // jitless: the config is parsed once, so compiling a fast path (new Function) only costs cold start.
  const r = core.safeParse(EdgeConfigSchema, input, { jitless: true });
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  - ${i.path.length ? i.path.map(String).join(".") : "(root)"}: ${i.code === "custom" ? i.message : i.code}${"expected" in i ? ` (expected ${String(i.expected)})` : ""}${"keys" in i ? ` ${String(i.keys)}` : ""}${"values" in i ? ` (expected one of ${i.values.map(String).join(", ")})` : ""}`);
  throw new EdgeConfigError(`Invalid edge config:\n${lines.join("\n")}`);
}
