import { maxSensitivity, type Sensitivity } from "../model/sensitivity.js";
import type { McpAuthPlan, PlanGroup, PlanOperation, PlanScope, PlanServer, PlanTier } from "../plan/schema.js";
import type { ChangeCategory, ChangeKind, DiffChange } from "./types.js";

/** Sorted, de-duplicated copy (code-unit order, so the output never depends on the locale). */
export function uniq(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort(cmp);
}

/** Locale-independent string comparison. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `server/name` key of an operation, as shown in reports. */
export const opKey = (server: string, op: PlanOperation): string => `${server}/${op.name}`;

/** Highest level in a list, or undefined for an empty list. */
export function highest(levels: Iterable<Sensitivity | undefined>): Sensitivity | undefined {
  let out: Sensitivity | undefined;
  for (const l of levels) if (l) out = out ? maxSensitivity(out, l) : l;
  return out;
}

/** Indexed view of one side of the diff, built once. */
export interface PlanView {
  readonly plan: McpAuthPlan;
  readonly scopes: ReadonlyMap<string, PlanScope>;
  readonly servers: ReadonlyMap<string, PlanServer>;
  readonly tiers: ReadonlyMap<string, PlanTier>;
  readonly groups: ReadonlyMap<string, PlanGroup>;
  /** Sensitivity of a scope; unknown scopes are critical (fail closed, like the compiler). */
  sens(scope: string): Sensitivity;
  /** Everything holding these scopes grants (implication closure). */
  grants(scopes: Iterable<string>): Set<string>;
  /** Operations (`server/name`) on a server that need the scope. */
  opsUsing(server: string, scope: string): string[];
  /** Scopes a tier may hold on a server (empty when either is unknown). */
  tierScopes(server: string, tier: string): readonly string[];
  /** Scopes a group's members may be granted on a server. */
  groupScopes(server: string, group: string): readonly string[];
}

/** Builds the indexed view of a plan. */
export function viewOf(plan: McpAuthPlan): PlanView {
  // Filled with loops rather than `new Map(xs.map(...))`: no garbage tuple per entry on large plans.
  const scopes = new Map<string, PlanScope>();
  for (const s of plan.scopes) scopes.set(s.name, s);
  const servers = new Map<string, PlanServer>();
  for (const s of plan.servers) servers.set(s.name, s);
  // Operations per scope, indexed per server on first use (most servers are never asked).
  const opsIndex = new Map<string, Map<string, string[]>>();
  const opsOf = (serverName: string): Map<string, string[]> => {
    let index = opsIndex.get(serverName);
    if (index) return index;
    index = new Map();
    const server = servers.get(serverName);
    for (const op of server?.operations ?? []) {
      for (const s of op.scopes) {
        const list = index.get(s);
        if (list) list.push(opKey(serverName, op));
        else index.set(s, [opKey(serverName, op)]);
      }
    }
    opsIndex.set(serverName, index);
    return index;
  };
  return {
    plan,
    scopes,
    servers,
    tiers: new Map(plan.tiers.map((t) => [t.name, t])),
    groups: new Map(plan.groups.map((g) => [g.name, g])),
    sens: (scope) => scopes.get(scope)?.sensitivity ?? "critical",
    grants(list) {
      const out = new Set<string>();
      for (const s of list) for (const g of scopes.get(s)?.grants ?? [s]) out.add(g);
      return out;
    },
    opsUsing: (server, scope) => opsOf(server).get(scope) ?? [],
    tierScopes: (server, tier) => servers.get(server)?.access.find((a) => a.tier === tier)?.scopes ?? [],
    groupScopes: (server, group) => servers.get(server)?.groups.find((g) => g.group === group)?.scopes ?? [],
  };
}

/**
 * What is at stake with a scope: its higher sensitivity across both sides (a scope lowered from high to
 * routine and now reachable by a public tier is still a high-stakes change).
 */
export function stake(ctx: DiffContext, scope: string): Sensitivity | undefined {
  return highest([ctx.base.scopes.has(scope) ? ctx.base.sens(scope) : undefined, ctx.head.sens(scope)]);
}

/** Whether two servers have the same operations needing the same scopes (both sorted by the compiler). */
export function sameOperations(a: PlanServer, b: PlanServer): boolean {
  if (a.operations.length !== b.operations.length) return false;
  for (let i = 0; i < a.operations.length; i++) {
    const x = a.operations[i]!;
    const y = b.operations[i]!;
    if (x.kind !== y.kind || x.name !== y.name || !sameList(x.scopes, y.scopes)) return false;
  }
  return true;
}

/** Both sides of a diff. */
export interface DiffContext {
  readonly base: PlanView;
  readonly head: PlanView;
  /** Servers present on both sides, sorted. */
  readonly sharedServers: readonly string[];
  /** Shared servers whose operations (kind, name or scopes) differ between the sides. */
  readonly operationsChanged: ReadonlySet<string>;
}

/** Input of `change()`: lists may be unsorted and contain duplicates. */
export interface ChangeInput {
  subject: string;
  summary: string;
  before?: string | undefined;
  after?: string | undefined;
  severity?: Sensitivity | undefined;
  servers?: Iterable<string>;
  tools?: Iterable<string>;
  tiers?: Iterable<string>;
  groups?: Iterable<string>;
  scopes?: Iterable<string>;
}

/** Builds a change with sorted, de-duplicated lists and no undefined fields. */
export function change(category: ChangeCategory, kind: ChangeKind, input: ChangeInput): DiffChange {
  return {
    category,
    kind,
    subject: input.subject,
    summary: input.summary,
    ...(input.before !== undefined ? { before: input.before } : {}),
    ...(input.after !== undefined ? { after: input.after } : {}),
    ...(input.severity !== undefined ? { severity: input.severity } : {}),
    servers: uniq(input.servers ?? []),
    tools: uniq(input.tools ?? []),
    tiers: uniq(input.tiers ?? []),
    groups: uniq(input.groups ?? []),
    scopes: uniq(input.scopes ?? []),
  };
}

/** Whether two lists hold the same items in the same order (a cheap test before a set difference). */
export function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Elements of `a` missing from `b`, sorted. */
export function minus(a: readonly string[], b: readonly string[] | ReadonlySet<string>): string[] {
  // Fast path: most compared lists are unchanged (and sorted the same way).
  if (Array.isArray(b) && sameList(a, b as readonly string[])) return [];
  const set = b instanceof Set ? b : new Set(b as readonly string[]);
  return uniq(a.filter((x) => !set.has(x)));
}

/** Formats a list for `before`/`after` and summaries: sorted, `a, b`, or `(none)`. */
export const list = (xs: readonly string[]): string => (xs.length ? uniq(xs).join(", ") : "(none)");

/** Groups items by a string key, keeping first-seen order of keys. */
export function groupBy<T>(items: Iterable<T>, key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const l = out.get(k);
    if (l) l.push(it);
    else out.set(k, [it]);
  }
  return out;
}
