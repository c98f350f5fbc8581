import type { PlanOperation, PlanServer } from "../plan/schema.js";
import { change, highest, list, minus, opKey, type DiffContext, type PlanView } from "./context.js";
import type { DiffChange, ReachChange } from "./types.js";

/** Tiers and groups that reach at least one operation of a server, from the reach set of that side. */
function reachers(reach: readonly ReachChange[], server: string) {
  const rs = reach.filter((r) => r.server === server);
  return {
    tiers: rs.filter((r) => r.principal.type === "tier").map((r) => r.principal.name),
    groups: rs.filter((r) => r.principal.type === "group").map((r) => r.principal.name),
  };
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const reachedPart = (n: number, total: number) => (n === total ? `${total === 1 ? "" : "all "}reachable` : `${n} of them reachable`);
const opKeyOf = (r: ReachChange) => `${r.operationKind}\0${r.operation}`;

const serverSeverity = (s: PlanServer) => highest(s.operations.map((o) => o.sensitivity));

/**
 * Servers added, removed or changed (resource, names, upstream, browser origins) and their operations.
 * A new server is an escalation when any tier or group can reach one of its operations.
 * An operation added on an existing server under a scope that already existed is an escalation: holders
 * of that scope can now do something they never consented to (a scope semantic change without versioning).
 * An operation that drops one of its scopes is an escalation too: fewer scopes now suffice.
 */
export function classifyServers(ctx: DiffContext, reach: { added: readonly ReachChange[]; removed: readonly ReachChange[] }): DiffChange[] {
  const { base, head } = ctx;
  const out: DiffChange[] = [];
  for (const [name, h] of head.servers) {
    const b = base.servers.get(name);
    if (!b) {
      // Operations newly reachable are an escalation wherever they come from: a new server whose
      // tools only need scopes that tiers already hold exposes those tools to every holder.
      const reached = reach.added.filter((r) => r.server === name);
      const who = reachers(reach.added, name);
      const ops = `${h.operations.length} operation${h.operations.length === 1 ? "" : "s"}`;
      out.push(
        change(reached.length ? "escalation" : "neutral", "server-added", {
          subject: name,
          summary: reached.length
            ? `New MCP server ${h.resource} with ${ops}, ${reachedPart(new Set(reached.map(opKeyOf)).size, h.operations.length)} by ${[count(new Set(who.tiers).size, "tier"), count(new Set(who.groups).size, "group")].join(" and ")}.`
            : `New MCP server ${h.resource} with ${ops}, reachable by no tier or group.`,
          after: h.resource,
          severity: reached.length ? highest(reached.map((r) => r.sensitivity)) : undefined,
          servers: [name],
          tools: h.operations.map((o) => opKey(name, o)),
          scopes: h.scopes,
          ...who,
        }),
      );
      continue;
    }
    for (const [field, bv, hv] of [
      ["resource", b.resource, h.resource],
      ["displayName", b.displayName, h.displayName],
      ["description", b.description, h.description],
      ["upstream", b.upstream, h.upstream],
    ] as const) {
      if (bv !== hv) out.push(change("neutral", "server-changed", { subject: `${name} ${field}`, summary: `Server ${field} changed.`, before: bv ?? "(none)", after: hv ?? "(none)", servers: [name] }));
    }
    // Observe mode forwards what the policy refuses: turning it on is an escalation, off a reduction.
    const bEnf = b.enforcement ?? "enforce";
    const hEnf = h.enforcement ?? "enforce";
    if (bEnf !== hEnf) {
      out.push(
        hEnf === "observe"
          ? change("escalation", "enforcement-relaxed", { subject: name, summary: "The edge now forwards what the policy refuses (observe mode): every refusal becomes a logged would-be denial.", before: bEnf, after: hEnf, severity: serverSeverity(h), servers: [name] })
          : change("reduction", "enforcement-restored", { subject: name, summary: "The edge enforces the policy again: what observe mode logged as would-be denials is refused.", before: bEnf, after: hEnf, servers: [name] }),
      );
    }
    const addedOrigins = minus(h.allowedOrigins, b.allowedOrigins);
    const removedOrigins = minus(b.allowedOrigins, h.allowedOrigins);
    if (addedOrigins.length) {
      out.push(
        change("escalation", "origin-added", {
          subject: name,
          summary: `Browser pages on ${addedOrigins.join(", ")} may now call this server.`,
          before: list(b.allowedOrigins),
          after: list(h.allowedOrigins),
          severity: serverSeverity(h),
          servers: [name],
        }),
      );
    }
    if (removedOrigins.length) {
      out.push(change("reduction", "origin-removed", { subject: name, summary: `Browser origins ${removedOrigins.join(", ")} removed.`, before: list(b.allowedOrigins), after: list(h.allowedOrigins), servers: [name] }));
    }
    out.push(...classifyOperations(ctx, b, h));
  }
  for (const [name, b] of base.servers) {
    if (head.servers.has(name)) continue;
    out.push(
      change("reduction", "server-removed", {
        subject: name,
        summary: `MCP server ${b.resource} removed.`,
        before: b.resource,
        servers: [name],
        tools: b.operations.map((o) => opKey(name, o)),
        scopes: b.scopes,
        ...reachers(reach.removed, name),
      }),
    );
  }
  return out;
}

function holdersOn(view: PlanView, server: PlanServer, scopes: readonly string[]) {
  const held = (list: readonly string[]) => {
    const g = view.grants(list);
    return scopes.every((s) => g.has(s));
  };
  return {
    tiers: server.access.filter((a) => held(a.scopes)).map((a) => a.tier),
    groups: server.groups.filter((g) => held(g.scopes)).map((g) => g.group),
  };
}

function descriptionChanged(server: string, before: string | undefined, op: PlanOperation): DiffChange {
  const tool = opKey(server, op);
  return change("neutral", "operation-description-changed", { subject: tool, summary: "Description changed.", before: before ?? "(none)", after: op.description ?? "(none)", servers: [server], tools: [tool] });
}

function classifyOperations(ctx: DiffContext, b: PlanServer, h: PlanServer): DiffChange[] {
  const { base, head } = ctx;
  const out: DiffChange[] = [];
  if (!ctx.operationsChanged.has(h.name)) {
    // Same operations in the same order: only descriptions can differ.
    h.operations.forEach((op, i) => {
      const prev = b.operations[i]!;
      if (prev.description !== op.description) out.push(descriptionChanged(h.name, prev.description, op));
    });
    return out;
  }
  const key = (o: { kind: string; name: string }) => `${o.kind}\0${o.name}`;
  const before = new Map(b.operations.map((o) => [key(o), o]));
  const after = new Map(h.operations.map((o) => [key(o), o]));
  for (const [k, op] of after) {
    const tool = opKey(h.name, op);
    const prev = before.get(k);
    if (!prev) {
      // Under a scope that already existed: its holders silently gain this operation. Behind new
      // scopes it is still an escalation as soon as a tier or group can hold them: an operation
      // newly reachable is an escalation wherever it comes from.
      const existing = op.scopes.filter((s) => base.scopes.has(s));
      const holders = holdersOn(head, h, op.scopes);
      const reachable = holders.tiers.length + holders.groups.length > 0;
      out.push(
        change(existing.length || reachable ? "escalation" : "neutral", "operation-added", {
          subject: tool,
          summary: existing.length
            ? `New ${op.kind} under existing scope${existing.length > 1 ? "s" : ""} ${list(existing)}: holders gain it without a new consent.`
            : `New ${op.kind} behind new scope${op.scopes.length > 1 ? "s" : ""} ${list(op.scopes)}${reachable ? "" : ", which no tier or group may hold"}.`,
          after: list(op.scopes),
          severity: existing.length || reachable ? op.sensitivity : undefined,
          servers: [h.name],
          tools: [tool],
          scopes: op.scopes,
          ...holders,
        }),
      );
      continue;
    }
    const dropped = minus(prev.scopes, op.scopes);
    const addedScopes = minus(op.scopes, prev.scopes);
    if (dropped.length) {
      out.push(
        change("escalation", "operation-fewer-scopes", {
          subject: tool,
          summary: `No longer needs ${dropped.join(", ")}${addedScopes.length ? `; needs ${addedScopes.join(", ")} instead` : ""}.`,
          before: list(prev.scopes),
          after: list(op.scopes),
          severity: highest([prev.sensitivity, op.sensitivity]),
          servers: [h.name],
          tools: [tool],
          scopes: [...dropped, ...addedScopes],
          ...holdersOn(head, h, op.scopes),
        }),
      );
    } else if (addedScopes.length) {
      out.push(
        change("reduction", "operation-more-scopes", {
          subject: tool,
          summary: `Now also needs ${addedScopes.join(", ")}.`,
          before: list(prev.scopes),
          after: list(op.scopes),
          servers: [h.name],
          tools: [tool],
          scopes: addedScopes,
        }),
      );
    }
    if (prev.description !== op.description) out.push(descriptionChanged(h.name, prev.description, op));
  }
  for (const [k, op] of before) {
    if (after.has(k)) continue;
    const tool = opKey(b.name, op);
    out.push(change("reduction", "operation-removed", { subject: tool, summary: `${op.kind[0]!.toUpperCase()}${op.kind.slice(1)} removed.`, before: list(op.scopes), servers: [b.name], tools: [tool], scopes: op.scopes }));
  }
  return out;
}
