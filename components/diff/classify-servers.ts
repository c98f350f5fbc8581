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

const serverSeverity = (s: PlanServer) => highest(s.operations.map((o) => o.sensitivity));

/**
 * Servers added, removed or changed (resource, names, upstream, browser origins) and their operations.
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
      out.push(
        change("neutral", "server-added", {
          subject: name,
          summary: `New MCP server ${h.resource} with ${h.operations.length} operation${h.operations.length === 1 ? "" : "s"}.`,
          after: h.resource,
          servers: [name],
          tools: h.operations.map((o) => opKey(name, o)),
          scopes: h.scopes,
          ...reachers(reach.added, name),
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
      // Under a scope that already existed: its holders silently gain this operation.
      const existing = op.scopes.filter((s) => base.scopes.has(s));
      out.push(
        change(existing.length ? "escalation" : "neutral", "operation-added", {
          subject: tool,
          summary: existing.length
            ? `New ${op.kind} under existing scope${existing.length > 1 ? "s" : ""} ${list(existing)}: holders gain it without a new consent.`
            : `New ${op.kind} behind new scope${op.scopes.length > 1 ? "s" : ""} ${list(op.scopes)}.`,
          after: list(op.scopes),
          severity: existing.length ? op.sensitivity : undefined,
          servers: [h.name],
          tools: [tool],
          scopes: op.scopes,
          ...holdersOn(head, h, op.scopes),
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
