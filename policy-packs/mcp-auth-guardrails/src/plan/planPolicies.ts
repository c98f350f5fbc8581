import type { ResourceValidationPolicy } from "@pulumi/policy";
import { McpAuthPlanSchema, PLAN_VERSION, type McpAuthPlan } from "../../../../components/plan/schema.js";
import { rules } from "../../../../components/rules/index.js";
import type { Rule } from "../../../../components/rules/types.js";

/** Type tokens of the toolkit's components start with this; each registers its compiled plan as the `plan` input. */
export const COMPONENT_TYPE_PREFIX = "pulumi-mcp-auth:";

export interface PlanPolicyConfig {
  /** Overrides the plan's own `guardrails.sprawlLimit` for the `scope-sprawl` rule. */
  sprawlLimit?: number;
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
    ...(rule.id === "scope-sprawl"
      ? { configSchema: { properties: { sprawlLimit: { type: "integer", minimum: 1, description: "More tools than this behind one scope is sprawl. Default: the plan's guardrails.sprawlLimit (8)." } } } }
      : {}),
    validateResource: (args, report) => {
      if (!args.type.startsWith(COMPONENT_TYPE_PREFIX)) return;
      const plan = planFromProps(args.props);
      if (plan === undefined) return;
      if (typeof plan === "string") {
        // Fail closed: a component whose plan cannot be read is reported by every plan policy.
        report(`The ${args.type} component '${args.name}' cannot be checked: ${plan}. Rebuild it with the current pulumi-mcp-auth.`);
        return;
      }
      const config = args.getConfig<PlanPolicyConfig>() ?? {};
      const effective = config.sprawlLimit ? { ...plan, guardrails: { ...plan.guardrails, sprawlLimit: config.sprawlLimit } } : plan;
      for (const f of rule.check(effective)) report(`${f.message} Fix: ${f.fix}`);
    },
  };
}

/** The plan policies, one per guardrail rule, in rule-id order. */
export const planPolicies: ResourceValidationPolicy[] = rules.map(planPolicy);
