import type { PlanOperation, PlanServer } from "../plan/schema.js";
import { cmp, sameList, sameOperations, type PlanView } from "./context.js";
import type { Principal, ReachChange } from "./types.js";

/**
 * Reachability: which (tier or group, server, operation) triples exist on a side. An operation is
 * reachable by a principal on a server when the principal may hold, after implication closure
 * (MCP 2026-07-28: servers honour scope hierarchies), every scope the operation needs. Tiers bound
 * what a client may hold (`servers[].access`), groups what a user may be granted (`servers[].groups`);
 * an agent acting for a user gets the intersection, so each side alone is an upper bound.
 */
function principalsOf(server: PlanServer | undefined): Map<string, [Principal, readonly string[]]> {
  const out = new Map<string, [Principal, readonly string[]]>();
  if (!server) return out;
  for (const a of server.access) out.set(`tier\0${a.tier}`, [{ type: "tier", name: a.tier }, a.scopes]);
  for (const g of server.groups) out.set(`group\0${g.group}`, [{ type: "group", name: g.group }, g.scopes]);
  return out;
}

/** Operations of a server reachable with these scopes, keyed by `kind\0name`. */
function reachable(view: PlanView, server: PlanServer | undefined, scopes: readonly string[] | undefined): Map<string, PlanOperation> {
  const out = new Map<string, PlanOperation>();
  if (!server || !scopes) return out;
  const held = view.grants(scopes);
  for (const op of server.operations) if (op.scopes.every((s) => held.has(s))) out.set(`${op.kind}\0${op.name}`, op);
  return out;
}

function entry(principal: Principal, server: string, op: PlanOperation): ReachChange {
  return { principal, server, operation: op.name, operationKind: op.kind, scopes: [...op.scopes].sort(cmp), sensitivity: op.sensitivity };
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

/**
 * Triples reachable on `head` but not on `base` (added) and the reverse (removed), sorted. Compared
 * per (server, principal), so the cost is linear in the size of the plans and only the differences
 * are materialised.
 */
export function diffReach(base: PlanView, head: PlanView): { added: ReachChange[]; removed: ReachChange[] } {
  const added: ReachChange[] = [];
  const removed: ReachChange[] = [];
  // Scopes whose implication closure differs: holding them may reach different operations.
  const grantsChanged = new Set<string>();
  for (const [name, s] of head.scopes) {
    const b = base.scopes.get(name);
    if (!b || !sameList(b.grants, s.grants)) grantsChanged.add(name);
  }
  for (const name of base.scopes.keys()) if (!head.scopes.has(name)) grantsChanged.add(name);

  for (const name of new Set([...base.servers.keys(), ...head.servers.keys()])) {
    const bs = base.servers.get(name);
    const hs = head.servers.get(name);
    const bp = principalsOf(bs);
    const hp = principalsOf(hs);
    const opsSame = !!bs && !!hs && sameOperations(bs, hs);
    for (const key of new Set([...bp.keys(), ...hp.keys()])) {
      const bScopes = bp.get(key)?.[1];
      const hScopes = hp.get(key)?.[1];
      // Fast path: same operations, same scopes held, same closures → same reach.
      if (opsSame && bScopes && hScopes && sameList(bScopes, hScopes) && !hScopes.some((s) => grantsChanged.has(s))) continue;
      const before = reachable(base, bs, bScopes);
      const after = reachable(head, hs, hScopes);
      const principal = (hp.get(key) ?? bp.get(key))![0];
      for (const [k, op] of after) if (!before.has(k)) added.push(entry(principal, name, op));
      for (const [k, op] of before) if (!after.has(k)) removed.push(entry(principal, name, op));
    }
  }
  return { added: added.sort(compareReach), removed: removed.sort(compareReach) };
}
