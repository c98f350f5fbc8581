import type { PlanOperation } from "../plan/schema.js";
import { cmp, type PlanView } from "./context.js";
import type { Principal, ReachChange } from "./types.js";

/**
 * Reachability: which (tier or group, server, operation) triples exist on a side. An operation is
 * reachable by a principal on a server when the principal may hold, after implication closure
 * (MCP 2026-07-28: servers honour scope hierarchies), every scope the operation needs. Tiers bound
 * what a client may hold (`servers[].access`), groups what a user may be granted (`servers[].groups`);
 * an agent acting for a user gets the intersection, so each side alone is an upper bound.
 */
export function reachOf(view: PlanView): Map<string, ReachChange> {
  const out = new Map<string, ReachChange>();
  for (const server of view.plan.servers) {
    const principals: [Principal, readonly string[]][] = [
      ...server.access.map((a): [Principal, readonly string[]] => [{ type: "tier", name: a.tier }, a.scopes]),
      ...server.groups.map((g): [Principal, readonly string[]] => [{ type: "group", name: g.group }, g.scopes]),
    ];
    for (const [principal, scopes] of principals) {
      const held = view.grants(scopes);
      for (const op of server.operations) {
        if (!op.scopes.every((s) => held.has(s))) continue;
        const r = reachEntry(principal, server.name, op);
        out.set(reachKey(r), r);
      }
    }
  }
  return out;
}

function reachEntry(principal: Principal, server: string, op: PlanOperation): ReachChange {
  return { principal, server, operation: op.name, operationKind: op.kind, scopes: [...op.scopes].sort(cmp), sensitivity: op.sensitivity };
}

/** Identity of a reach entry (scopes and sensitivity are attributes, not identity). */
export function reachKey(r: ReachChange): string {
  return `${r.principal.type}\0${r.principal.name}\0${r.server}\0${r.operationKind}\0${r.operation}`;
}

/** Stable order: tiers before groups, then names, server, operation kind and name. */
export function compareReach(a: ReachChange, b: ReachChange): number {
  return (
    cmp(a.principal.type === "tier" ? "0" : "1", b.principal.type === "tier" ? "0" : "1") ||
    cmp(a.principal.name, b.principal.name) ||
    cmp(a.server, b.server) ||
    cmp(a.operationKind, b.operationKind) ||
    cmp(a.operation, b.operation)
  );
}

/** Triples reachable on `head` but not on `base` (added) and the reverse (removed), sorted. */
export function diffReach(base: PlanView, head: PlanView): { added: ReachChange[]; removed: ReachChange[] } {
  const b = reachOf(base);
  const h = reachOf(head);
  const added = [...h].filter(([k]) => !b.has(k)).map(([, r]) => r);
  const removed = [...b].filter(([k]) => !h.has(k)).map(([, r]) => r);
  return { added: added.sort(compareReach), removed: removed.sort(compareReach) };
}
