import type { EnforcementLevel, PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import type * as pulumi from "@pulumi/pulumi";

/** Provider props as a policy sees them: inputs, with every `Input<T>` unwrapped. */
export type Props<TArgs> = pulumi.Unwrap<TArgs>;

/** What one resource policy file declares (property order follows pulumi/compliance-policies). */
export interface ResourcePolicySpec<TArgs, TConfig extends object = object> {
  /** `<vendor>-<resource>-<assertion>` in kebab case. */
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly severity: "low" | "medium" | "high" | "critical";
  /** The provider type token the policy applies to, e.g. `okta:auth/serverScope:ServerScope`. */
  readonly resourceType: string | readonly string[];
  /** Thresholds with their defaults; every one is documented in the pack README. */
  readonly config?: { readonly schema: PolicyConfigSchema; readonly defaults: TConfig };
  validate(props: Props<TArgs>, config: TConfig, report: ReportViolation, args: ResourceValidationArgs): void;
}

/**
 * Builds a `ResourceValidationPolicy` that matches resources by type token (no provider module is
 * loaded at run time) and merges the policy config over its documented defaults, so a threshold
 * behaves the same under the engine (which applies schema defaults) and in unit tests (which do not).
 */
export function resourcePolicy<TArgs, TConfig extends object = object>(spec: ResourcePolicySpec<TArgs, TConfig>): ResourceValidationPolicy {
  const types = new Set(typeof spec.resourceType === "string" ? [spec.resourceType] : spec.resourceType);
  return {
    ...header(spec),
    validateResource: (args, report) => {
      if (!types.has(args.type)) return;
      const config = mergeConfig(spec.config?.defaults, args.getConfig<Partial<TConfig>>());
      spec.validate(args.props as Props<TArgs>, config, report, args);
    },
  };
}

/** The fields every policy of the pack declares, in the compliance-policies order. */
function header(spec: Pick<ResourcePolicySpec<unknown>, "name" | "description" | "enforcementLevel" | "severity"> & { config?: { schema: PolicyConfigSchema } | undefined }) {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel,
    severity: spec.severity,
    ...(spec.config ? { configSchema: spec.config.schema } : {}),
  };
}

/** The policy config over its documented defaults (unset and `enforcementLevel` entries ignored). */
function mergeConfig<TConfig extends object>(defaults: TConfig | undefined, given: Partial<TConfig> | undefined): TConfig {
  const out: Record<string, unknown> = { ...(defaults ?? {}) };
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined && k !== "enforcementLevel") out[k] = v;
  return out as TConfig;
}

/** Grant types OAuth 2.1 removed (§10.1 implicit, §10.2 resource owner password credentials). */
export const REMOVED_GRANT_TYPES: ReadonlySet<string> = new Set(["implicit", "password"]);

/** Access-token lifetime bounds (minutes) used when a policy cannot tell a scope's sensitivity. */
export const LIFETIME_DEFAULTS = { maxAccessTokenMinutes: 60, maxHighSensitivityAccessTokenMinutes: 15 } as const;
export const LIFETIME_SCHEMA: PolicyConfigSchema = {
  properties: {
    maxAccessTokenMinutes: { type: "integer", minimum: 1, default: 60, description: "Upper bound for any access-token lifetime, minutes." },
    maxHighSensitivityAccessTokenMinutes: {
      type: "integer",
      minimum: 1,
      default: 15,
      description: "Upper bound for tokens that can carry a destructive or exfiltrating scope, minutes.",
    },
  },
};

/** A resource as a stack policy sees it. */
export interface StackResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
  readonly parent?: { readonly type: string; readonly urn: string } | undefined;
  /** The resources each input property was computed from (Pulumi's property dependencies). */
  readonly propertyDependencies?: Readonly<Record<string, readonly { readonly urn: string }[]>> | undefined;
}

/** What one stack policy file declares. */
export interface StackPolicySpec<TConfig extends object = object> {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly severity: "low" | "medium" | "high" | "critical";
  readonly config?: { readonly schema: PolicyConfigSchema; readonly defaults: TConfig };
  validate(resources: readonly StackResource[], config: TConfig, report: (message: string, urn?: string) => void): void;
}

/** Builds a `StackValidationPolicy` with config merged over documented defaults. */
export function stackPolicy<TConfig extends object = object>(spec: StackPolicySpec<TConfig>): StackValidationPolicy {
  return {
    ...header(spec),
    validateStack: (args, report) => {
      const config = mergeConfig(spec.config?.defaults, args.getConfig<Partial<TConfig>>());
      spec.validate(args.resources as unknown as StackResource[], config, report);
    },
  };
}
