import { sensitivityRank } from "../model/sensitivity.js";
import { change, highest, list, minus, sameList, uniq, type DiffContext, type PlanView } from "./context.js";
import type { DiffChange, SemanticChange } from "./types.js";

/** Tiers and groups that may hold a scope somewhere, and the operations behind it, on one side. */
function holders(view: PlanView, scope: string) {
  const servers = view.scopes.get(scope)?.servers ?? [];
  const tiers: string[] = [];
  const groups: string[] = [];
  const tools: string[] = [];
  for (const server of servers) {
    const s = view.servers.get(server);
    if (!s) continue;
    for (const a of s.access) if (a.scopes.includes(scope)) tiers.push(a.tier);
    for (const g of s.groups) if (g.scopes.includes(scope)) groups.push(g.group);
    tools.push(...view.opsUsing(server, scope));
  }
  return { servers, tiers, groups, tools };
}

/**
 * Scope taxonomy changes: scopes added or removed, sensitivity, description and display name,
 * implications (compared on the closure, so a new indirect implication counts too).
 */
export function classifyScopes(ctx: DiffContext): DiffChange[] {
  const { base, head } = ctx;
  const out: DiffChange[] = [];
  for (const [name, s] of head.scopes) {
    const before = base.scopes.get(name);
    if (!before) {
      const sensitive = s.sensitivity !== "routine";
      out.push(
        change(sensitive ? "escalation" : "neutral", "scope-added", {
          subject: name,
          summary: `New ${s.sensitivity} scope "${s.description}".`,
          after: s.sensitivity,
          severity: s.sensitivity,
          ...holders(head, name),
          scopes: [name],
        }),
      );
      continue;
    }
    const rankDelta = sensitivityRank(s.sensitivity) - sensitivityRank(before.sensitivity);
    if (rankDelta !== 0) {
      const lowered = rankDelta < 0;
      out.push(
        change(lowered ? "escalation" : "reduction", lowered ? "sensitivity-lowered" : "sensitivity-raised", {
          subject: name,
          summary: lowered
            ? `Sensitivity lowered: longer tokens, weaker consent and more tiers may hold it.`
            : `Sensitivity raised: shorter tokens, stronger consent and fewer tiers may hold it.`,
          before: before.sensitivity,
          after: s.sensitivity,
          severity: highest([before.sensitivity, s.sensitivity]),
          ...holders(head, name),
          scopes: [name],
        }),
      );
    }
    if (s.description !== before.description) {
      out.push(
        change("neutral", "scope-description-changed", {
          subject: name,
          summary: "Description changed: holders consented to the old wording.",
          before: before.description,
          after: s.description,
          ...holders(head, name),
          scopes: [name],
        }),
      );
    }
    if (s.displayName !== before.displayName) {
      out.push(
        change("neutral", "scope-display-name-changed", { subject: name, summary: "Consent-screen label changed.", before: before.displayName, after: s.displayName, scopes: [name] }),
      );
    }
    // Implications are compared on the closure: `grants` minus the scope itself.
    const same = sameList(s.grants, before.grants);
    const newlyImplied = same ? [] : minus(s.grants, before.grants).filter((x) => x !== name);
    const noLongerImplied = same ? [] : minus(before.grants, s.grants).filter((x) => x !== name);
    if (newlyImplied.length) {
      out.push(
        change("escalation", "implication-added", {
          subject: name,
          summary: `Holders of ${name} now also get ${newlyImplied.join(", ")}.`,
          before: list(before.grants.filter((x) => x !== name)),
          after: list(s.grants.filter((x) => x !== name)),
          severity: highest(newlyImplied.map((x) => head.sens(x))),
          ...holders(head, name),
          scopes: [name, ...newlyImplied],
        }),
      );
    }
    if (noLongerImplied.length) {
      out.push(
        change("reduction", "implication-removed", {
          subject: name,
          summary: `Holders of ${name} no longer get ${noLongerImplied.join(", ")}.`,
          before: list(before.grants.filter((x) => x !== name)),
          after: list(s.grants.filter((x) => x !== name)),
          ...holders(head, name),
          scopes: [name, ...noLongerImplied],
        }),
      );
    }
  }
  for (const [name, s] of base.scopes) {
    if (head.scopes.has(name)) continue;
    out.push(change("reduction", "scope-removed", { subject: name, summary: `Scope removed.`, before: s.sensitivity, ...holders(base, name), scopes: [name] }));
  }
  return out;
}

/**
 * Scopes that keep their name while their meaning changes. Operations are compared on servers present
 * on both sides only: a new server is a new audience, its tokens are not the old server's tokens.
 */
export function semanticChanges(ctx: DiffContext): SemanticChange[] {
  const { base, head } = ctx;
  const out: SemanticChange[] = [];
  for (const [name, s] of head.scopes) {
    const before = base.scopes.get(name);
    if (!before) continue;
    // Fast path: same servers, none with changed operations, same wording and level.
    if (
      s.description === before.description &&
      s.sensitivity === before.sensitivity &&
      sameList(s.servers, before.servers) &&
      !s.servers.some((x) => ctx.operationsChanged.has(x))
    )
      continue;
    // Only the servers using the scope on either side, and present on both.
    const servers = uniq([...before.servers, ...s.servers]).filter((x) => base.servers.has(x) && head.servers.has(x));
    const opsOf = (v: PlanView) => servers.flatMap((server) => v.opsUsing(server, name));
    const opsBefore = opsOf(base);
    const opsAfter = opsOf(head);
    const sameOps = sameList(opsBefore, opsAfter);
    const added = sameOps ? [] : minus(opsAfter, opsBefore);
    const removed = sameOps ? [] : minus(opsBefore, opsAfter);
    const changed: SemanticChange["changed"][number][] = [];
    if (added.length || removed.length) changed.push("operations");
    if (s.description !== before.description) changed.push("description");
    if (s.sensitivity !== before.sensitivity) changed.push("sensitivity");
    if (!changed.length) continue;
    out.push({
      scope: name,
      changed,
      operationsAdded: added,
      operationsRemoved: removed,
      ...(s.sensitivity !== before.sensitivity ? { sensitivityBefore: before.sensitivity, sensitivityAfter: s.sensitivity } : {}),
    });
  }
  return out.sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
}
