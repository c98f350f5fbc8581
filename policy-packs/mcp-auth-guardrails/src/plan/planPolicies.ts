import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { McpAuthPlanSchema, PLAN_VERSION, type McpAuthPlan } from "../../../../components/plan/schema.js";
import { rules } from "../../../../components/rules/index.js";
import type { Rule } from "../../../../components/rules/types.js";

/** Type tokens of the toolkit's components start with this; each registers its compiled plan as the `plan` input. */
export const COMPONENT_TYPE_PREFIX = "pulumi-mcp-auth:";

export interface PlanPolicyConfig {
  /** `scope-sprawl`: overrides the plan's own `guardrails.sprawlLimit`. */
  sprawlLimit?: number;
  /** `access-token-lifetime`: tighter bounds per sensitivity, minutes (the built-in 60/15/5 still apply). */
  maxAccessTokenMinutes?: { routine?: number; high?: number; critical?: number };
  /** `refresh-token-policy`: tighter refresh-token bound, days (the built-in 90 still applies). */
  maxRefreshTokenDays?: number;
}

const minutesSchema = { type: "integer", minimum: 1 } as const;
/** The thresholds each rule's policy takes from the policy config. */
const CONFIG_SCHEMAS: Record<string, PolicyConfigSchema> = {
  "scope-sprawl": {
    properties: { sprawlLimit: { type: "integer", minimum: 1, description: "More tools than this behind one scope is sprawl. Default: the plan's guardrails.sprawlLimit (8)." } },
  },
  "access-token-lifetime": {
    properties: {
      maxAccessTokenMinutes: {
        type: "object",
        description: "Tighter access-token bounds per sensitivity, minutes (the built-in 60/15/5 always apply).",
        properties: { routine: minutesSchema, high: minutesSchema, critical: minutesSchema },
        additionalProperties: false,
      },
    },
  },
  "refresh-token-policy": {
    properties: { maxRefreshTokenDays: { type: "integer", minimum: 1, description: "Tighter refresh-token bound, days (the built-in 90 always applies)." } },
  },
};

const tighter = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

/** The plan with the policy config's thresholds applied to its guardrails (bounds only ever tighten). */
export function withPolicyThresholds(plan: McpAuthPlan, config: PlanPolicyConfig): McpAuthPlan {
  const g = plan.guardrails;
  const minutes = { ...(g.maxAccessTokenMinutes ?? {}) };
  for (const level of ["routine", "high", "critical"] as const) {
    const v = tighter(g.maxAccessTokenMinutes?.[level], config.maxAccessTokenMinutes?.[level]);
    if (v !== undefined) minutes[level] = v;
  }
  const days = tighter(g.maxRefreshTokenDays, config.maxRefreshTokenDays);
  return {
    ...plan,
    guardrails: {
      sprawlLimit: config.sprawlLimit ?? g.sprawlLimit,
      ...(Object.keys(minutes).length > 0 ? { maxAccessTokenMinutes: minutes } : {}),
      ...(days !== undefined ? { maxRefreshTokenDays: days } : {}),
    },
  };
}

/**
 * Reads the plan a toolkit component registered as its `plan` input (an object, or its JSON text).
 * Returns undefined when the resource carries no plan, and an error string when the plan is invalid.
 */
export function planFromProps(props: Record<string, unknown>): McpAuthPlan | string | undefined {
  let raw = props.plan;
  if (raw === undefined) return undefined;
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch {
      return "its plan is not valid JSON";
    }
  }
  const parsed = McpAuthPlanSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const n = parsed.error.issues.length;
  return `its plan is not a version-${PLAN_VERSION} pulumi-mcp-auth plan (${n} problem${n === 1 ? "" : "s"}, first at '${parsed.error.issues[0]?.path.join(".") ?? ""}')`;
}

/**
 * One Pulumi policy per guardrail rule, with the rule's id as the policy name and its findings'
 * messages verbatim, so `pulumi preview` and `pulumi-mcp-auth check` say the same thing. Errors are
 * mandatory and warnings advisory by default; both can be changed per policy in the policy config.
 */
export function planPolicy(rule: Rule): ResourceValidationPolicy {
  return {
    name: rule.id,
    description: rule.description,
    enforcementLevel: rule.severity === "error" ? "mandatory" : "advisory",
    severity: rule.severity === "error" ? "high" : "low",
    ...(CONFIG_SCHEMAS[rule.id] ? { configSchema: CONFIG_SCHEMAS[rule.id] } : {}),
    validateResource: (args, report) => {
      if (!args.type.startsWith(COMPONENT_TYPE_PREFIX)) return;
      const plan = planFromProps(args.props);
      if (plan === undefined) return;
      if (typeof plan === "string") {
        // Fail closed: a component whose plan cannot be read is reported by every plan policy.
        report(`The ${args.type} component '${args.name}' cannot be checked: ${plan}. Rebuild it with the current pulumi-mcp-auth.`);
        return;
      }
      const effective = withPolicyThresholds(plan, args.getConfig<PlanPolicyConfig>() ?? {});
      for (const f of rule.check(effective)) report(`${f.message} Fix: ${f.fix}`);
    },
  };
}

/** The plan policies, one per guardrail rule, in rule-id order. */
export const planPolicies: ResourceValidationPolicy[] = rules.map(planPolicy);
