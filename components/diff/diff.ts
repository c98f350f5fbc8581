import type { McpAuthPlan } from "../plan/schema.js";
import { classifyConsent, classifyHolders, classifyLifetimes, classifyRevocation } from "./classify-access.js";
import { classifyScopes, semanticChanges } from "./classify-scopes.js";
import { classifyServers } from "./classify-servers.js";
import { classifyGroupsAndPlan, classifyTiers } from "./classify-tiers.js";
import { cmp, highest, sameOperations, viewOf, type DiffContext } from "./context.js";
import { diffReach } from "./reach.js";
import { CHANGE_CATEGORIES, CHANGE_KINDS, type DiffChange, type PlanDiff, type RiskLevel } from "./types.js";

/** Labels for the two sides in reports (a file name, `origin/main:stacks/crm/mcp-auth.ts`, …). */
export interface DiffLabels {
  /** Default `base`. */
  readonly base?: string;
  /** Default `head`. */
  readonly head?: string;
}

const CATEGORY_ORDER = new Map(CHANGE_CATEGORIES.map((c, i) => [c, i]));
const KIND_ORDER = new Map(CHANGE_KINDS.map((k, i) => [k, i]));

/** Stable order: category, kind (CHANGE_KINDS order), subject, then the rest of the row. */
export function compareChanges(a: DiffChange, b: DiffChange): number {
  return (
    CATEGORY_ORDER.get(a.category)! - CATEGORY_ORDER.get(b.category)! ||
    KIND_ORDER.get(a.kind)! - KIND_ORDER.get(b.kind)! ||
    cmp(a.subject, b.subject) ||
    cmp(JSON.stringify([a.before, a.after, a.servers, a.tiers, a.groups]), JSON.stringify([b.before, b.after, b.servers, b.tiers, b.groups]))
  );
}

/**
 * Compares two plans: every change classified as an escalation (an agent could do something after the
 * merge that it could not before), a reduction, or neutral, each with the servers, tools, tiers, groups
 * and scopes it touches; the (tier or group, server, operation) triples newly reachable or no longer
 * reachable; scopes whose meaning changed under the same name. Pure and deterministic.
 */
export function diffPlans(base: McpAuthPlan, head: McpAuthPlan, labels: DiffLabels = {}): PlanDiff {
  const b = viewOf(base);
  const h = viewOf(head);
  const sharedServers = [...h.servers.keys()].filter((s) => b.servers.has(s)).sort(cmp);
  const operationsChanged = new Set(sharedServers.filter((s) => !sameOperations(b.servers.get(s)!, h.servers.get(s)!)));
  const ctx: DiffContext = { base: b, head: h, sharedServers, operationsChanged };
  const reach = diffReach(b, h);
  const changes = [
    ...classifyScopes(ctx),
    ...classifyHolders(ctx),
    ...classifyConsent(ctx),
    ...classifyLifetimes(ctx),
    ...classifyRevocation(ctx),
    ...classifyServers(ctx, reach),
    ...classifyTiers(ctx, reach),
    ...classifyGroupsAndPlan(ctx, reach),
  ].sort(compareChanges);
  const semantic = semanticChanges(ctx);
  const counts = {
    escalation: changes.filter((c) => c.category === "escalation").length,
    reduction: changes.filter((c) => c.category === "reduction").length,
    neutral: changes.filter((c) => c.category === "neutral").length,
    newlyReachable: reach.added.length,
    noLongerReachable: reach.removed.length,
    semantic: semantic.length,
  };
  const risk = riskOf(changes);
  return {
    base: { label: labels.base ?? "base", name: base.name },
    head: { label: labels.head ?? "head", name: head.name },
    risk,
    summary: summaryLine(risk, counts),
    counts,
    changes,
    reach,
    semanticChanges: semantic,
  };
}

/** `critical`/`high` = the worst escalation's severity, `moderate` = escalations of routine reach only. */
function riskOf(changes: readonly DiffChange[]): RiskLevel {
  const esc = changes.filter((c) => c.category === "escalation");
  if (esc.length) {
    const worst = highest(esc.map((c) => c.severity));
    return worst === "critical" ? "critical" : worst === "high" ? "high" : "moderate";
  }
  return changes.length ? "low" : "none";
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function summaryLine(risk: RiskLevel, counts: PlanDiff["counts"]): string {
  if (risk === "none" && counts.newlyReachable === 0 && counts.noLongerReachable === 0) return "Risk: none. No change to what agents can do.";
  const parts = [
    `Risk: ${risk}.`,
    `${plural(counts.escalation, "escalation")}, ${plural(counts.reduction, "reduction")}, ${plural(counts.neutral, "neutral change")};`,
    `${plural(counts.newlyReachable, "operation")} newly reachable, ${counts.noLongerReachable} no longer reachable`,
  ];
  let line = parts.join(" ");
  if (counts.semantic) line += `; ${plural(counts.semantic, "scope")} changed meaning without a new name`;
  return `${line}.`;
}
