import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { McpAuthPlanSchema, PLAN_VERSION, planDerivationProblems, rules, type McpAuthPlan, type Rule } from "pulumi-mcp-auth";

/** Type tokens of the toolkit's components start with this. */
export const COMPONENT_TYPE_PREFIX = "pulumi-mcp-auth:";

/**
 * The components that provision a plan on an IdP (`pulumi-mcp-auth:okta:McpAuth`,
 * `…:auth0:McpAuthAuth0`, `…:entra:McpAuth`, and any later `McpAuth…` type) must register it as
 * their `plan` input: one without a plan cannot be checked, so every plan policy reports it (fail
 * closed). Other components of the toolkit are checked when they carry a plan.
 */
export const PLAN_REQUIRED_TYPE = /^pulumi-mcp-auth:(okta|auth0|entra):McpAuth/;

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
      const plan = componentPlan(args.type, args.name, args.props, report);
      if (!plan) return;
      const effective = withPolicyThresholds(plan, args.getConfig<PlanPolicyConfig>() ?? {});
      for (const f of rule.check(effective)) report(`${f.message} Fix: ${f.fix}`);
    },
  };
}

/**
 * The plan of a toolkit component, or undefined when there is nothing to check. A component that
 * must carry a plan and does not, or carries one that cannot be read, is reported (fail closed).
 */
function componentPlan(type: string, name: string, props: Record<string, unknown>, report: (message: string) => void): McpAuthPlan | undefined {
  if (!type.startsWith(COMPONENT_TYPE_PREFIX)) return undefined;
  const plan = planFromProps(props);
  if (plan === undefined) {
    if (PLAN_REQUIRED_TYPE.test(type)) {
      report(`The ${type} component '${name}' cannot be checked: it carries no plan input. Create it with the current pulumi-mcp-auth, which registers the compiled plan as its 'plan' input.`);
    }
    return undefined;
  }
  if (typeof plan === "string") {
    report(`The ${type} component '${name}' cannot be checked: ${plan}. Rebuild it with the current pulumi-mcp-auth.`);
    return undefined;
  }
  return plan;
}

/** Name of the policy that re-derives each component's plan. */
export const PLAN_DERIVATION_POLICY = "plan-derived-fields-consistent";

/**
 * Targets and the edge deploy a plan's derived fields (`servers[].access`, group and scope
 * `grants`, lifetimes per tier, rotation, immediate revocation), while the rules judge its declared
 * ones. This policy recompiles the declared part and blocks a plan whose derived fields disagree,
 * so a hand-edited plan.json cannot slip a scope past the rules.
 */
export const planDerivationPolicy: ResourceValidationPolicy = {
  name: PLAN_DERIVATION_POLICY,
  description: "A component's plan is exactly what compiling its declared part gives: derived fields (access per tier, grants, implication closure, lifetimes, rotation) were not edited by hand.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, report) => {
    const plan = componentPlan(args.type, args.name, args.props, report);
    if (!plan) return;
    const problems = planDerivationProblems(plan);
    if (problems.length === 0) return;
    report(
      `The ${args.type} component '${args.name}' carries a plan that compile() would not produce: ${problems.join("; ")}. Fix: Regenerate the plan from its declaration (pulumi-mcp-auth plan, or pass the declaration to the component) instead of editing it by hand.`,
    );
  },
};

/** Name of the policy that keeps observe mode out of production stacks. */
export const NO_OBSERVE_IN_PRODUCTION_POLICY = "no-observe-mode-in-production";

/** Default production stack names: `prod`, `production`, or either as a `-`/`_`/`.` separated part. */
export const DEFAULT_PRODUCTION_STACKS = ["(^|[-_.])prod(uction)?($|[-_.])"];

/** The stack name in a resource URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOfUrn(urn: string): string {
  return urn.startsWith("urn:pulumi:") ? (urn.slice("urn:pulumi:".length).split("::")[0] ?? "") : "";
}

/**
 * Observe mode (`enforcement: "observe"`) forwards what the policy refuses: a rollout aid, never for
 * production. Blocks a component whose plan puts a server in observe mode on a stack whose name
 * matches `productionStacks` (regular expressions; default: prod / production).
 */
export const noObserveInProductionPolicy: ResourceValidationPolicy = {
  name: NO_OBSERVE_IN_PRODUCTION_POLICY,
  description: "No MCP server runs in observe mode (the edge forwarding what the policy refuses) on a production stack.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      productionStacks: { type: "array", items: { type: "string" }, description: "Regular expressions naming production stacks. Default: prod / production as the name or a part of it." },
    },
  },
  validateResource: (args, report) => {
    const plan = componentPlan(args.type, args.name, args.props, report);
    if (!plan) return;
    const observing = plan.servers.filter((s) => s.enforcement === "observe").map((s) => s.name);
    if (observing.length === 0) return;
    const stack = stackOfUrn(args.urn);
    const patterns = args.getConfig<{ productionStacks?: string[] }>()?.productionStacks ?? DEFAULT_PRODUCTION_STACKS;
    if (!patterns.some((p) => new RegExp(p, "i").test(stack))) return;
    report(
      `Stack '${stack}' is a production stack, and server${observing.length === 1 ? "" : "s"} ${observing.map((n) => `'${n}'`).join(", ")} of '${args.name}' run${observing.length === 1 ? "s" : ""} in observe mode: the edge forwards what the policy refuses. Fix: Remove enforcement: "observe" (or set "enforce") before deploying to production.`,
    );
  },
};

/** The plan policies: one per guardrail rule in rule-id order, then the derivation check and the observe-mode check. */
export const planPolicies: ResourceValidationPolicy[] = [...rules.map(planPolicy), planDerivationPolicy, noObserveInProductionPolicy];
