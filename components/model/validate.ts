import type { z } from "zod";
import {
  GroupDeclarationSchema,
  McpAuthDeclarationSchema,
  OperationDeclarationSchema,
  TierDeclarationSchema,
  type McpAuthDeclaration,
  type McpAuthDeclarationInput,
} from "./declarations.js";
import { canonicalResourceUri } from "../plan/resource-uri.js";
import { findImplicationCycles } from "../plan/closure.js";
import { boundIssues, boundsView } from "./bounds.js";

/** One problem in a declaration: where (`servers[1].tools.export_customers.scopes[0]`) and what was expected. */
export interface DeclarationIssue {
  readonly path: string;
  readonly message: string;
}

/** One bullet line per issue (`  - path: message`), the form every error of the toolkit lists problems in. */
export function issueLines(issues: readonly DeclarationIssue[]): string {
  return issues.map((i) => `  - ${i.path || "(root)"}: ${i.message}`).join("\n");
}

/** Thrown when a declaration is invalid. Carries every problem found, not just the first. */
export class DeclarationError extends Error {
  override readonly name = "DeclarationError";
  readonly issues: readonly DeclarationIssue[];
  constructor(issues: readonly DeclarationIssue[]) {
    super(
      `The MCP auth declaration is invalid (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issueLines(issues),
    );
    this.issues = issues;
  }
}

/** Formats a zod path as `servers[1].tools.export_customers.scopes[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[A-Za-z_$][\w$-]*$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

function describeZodIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}; remove ${issue.keys.length > 1 ? "them" : "it"} or check the spelling`;
    case "invalid_type":
      return issue.input === undefined ? `required; expected ${issue.expected}` : `expected ${issue.expected}, got ${describeValue(issue.input)}`;
    case "invalid_key":
      // A record key (tier, group, tool or prompt name) that fails its schema: say why, not "Invalid key in record".
      return `invalid name: ${issue.issues.map((i) => describeZodIssue(i)).join("; ")}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}${issue.input === undefined ? " (required)" : `, got ${describeValue(issue.input)}`}`;
    case "too_small":
      // Custom messages (e.g. "declare at least one MCP server") win over the generic wording.
      if (!issue.message.startsWith("Too small")) return issue.message;
      if (issue.origin === "array") return `expected at least ${String(issue.minimum)} item${issue.minimum === 1 ? "" : "s"}`;
      if (issue.origin === "string") return `expected at least ${String(issue.minimum)} character${issue.minimum === 1 ? "" : "s"}`;
      return `expected a number ${issue.inclusive ? ">=" : ">"} ${String(issue.minimum)}${issue.input === undefined ? "" : `, got ${describeValue(issue.input)}`}`;
    default:
      return issue.message;
  }
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}

/**
 * zod does not validate a record value whose key is invalid, which would hide its problems until
 * the key is fixed. Validate those values here so that every problem is reported in one pass.
 */
function issuesBehindInvalidKeys(input: unknown, keyIssues: readonly z.core.$ZodIssue[]): DeclarationIssue[] {
  const out: DeclarationIssue[] = [];
  for (const issue of keyIssues) {
    const p = issue.path;
    const schema =
      p.length === 2 && p[0] === "tiers"
        ? TierDeclarationSchema
        : p.length === 2 && p[0] === "groups"
          ? GroupDeclarationSchema
          : p.length === 4 && p[0] === "servers" && (p[2] === "tools" || p[2] === "prompts" || p[2] === "resourceTemplates")
            ? OperationDeclarationSchema
            : undefined;
    if (!schema) continue;
    let value: unknown = input;
    for (const seg of p) value = isObj(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[seg as string] : undefined;
    const r = schema.safeParse(value, { reportInput: true });
    if (!r.success) for (const i of r.error.issues) out.push({ path: formatPath([...p, ...i.path]), message: describeZodIssue(i) });
  }
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const entries = (v: unknown): [string, unknown][] => (isObj(v) ? Object.entries(v) : []);

/**
 * Cross-reference checks: every scope a tool, consent list, implication, tier or group names is
 * declared; server names, resources and client names are unique. Written over `unknown` so it
 * runs even when the structure has errors, and every problem is reported in one pass.
 */
function crossReferenceIssues(input: unknown): DeclarationIssue[] {
  const issues: DeclarationIssue[] = [];
  if (!isObj(input)) return issues;
  const declared = new Set(entries(input.scopes).map(([k]) => k));
  const ref = (value: unknown, path: PropertyKey[]) => {
    if (typeof value === "string" && !declared.has(value)) {
      issues.push({ path: formatPath(path), message: `scope '${value}' is not declared in 'scopes'; declare it or fix the name` });
    }
  };
  const implies = new Map<string, string[]>();
  for (const [name, scope] of entries(input.scopes)) {
    if (!isObj(scope)) continue;
    arr(scope.implies).forEach((s, i) => ref(s, ["scopes", name, "implies", i]));
    implies.set(name, arr(scope.implies).filter((s): s is string => typeof s === "string"));
  }
  // A cycle makes its scopes equivalent: an omnibus scope in disguise (see plan/closure.ts).
  for (const cycle of findImplicationCycles(implies)) {
    issues.push({
      path: formatPath(["scopes", cycle[0]!, "implies"]),
      message: `implication cycle ${cycle.join(" → ")}; an implication must go from a broader scope to a narrower one`,
    });
  }
  const serverNames = new Map<string, number>();
  const resources = new Map<string, number>();
  arr(input.servers).forEach((server, si) => {
    if (!isObj(server)) return;
    if (typeof server.name === "string") {
      const prev = serverNames.get(server.name);
      if (prev !== undefined) issues.push({ path: formatPath(["servers", si, "name"]), message: `duplicate server name '${server.name}' (also servers[${prev}])` });
      else serverNames.set(server.name, si);
    }
    if (typeof server.resource === "string") {
      // Scheme and host are case-insensitive, the path is not (RFC 3986 §6.2.2.1).
      const key = canonicalResourceUri(server.resource);
      const prev = resources.get(key);
      if (prev !== undefined) issues.push({ path: formatPath(["servers", si, "resource"]), message: `duplicate resource URI (also servers[${prev}]); each MCP server needs its own audience` });
      else resources.set(key, si);
    }
    for (const kind of ["tools", "resources", "resourceTemplates", "prompts"] as const) {
      for (const [opName, op] of entries(server[kind])) {
        if (isObj(op)) arr(op.scopes).forEach((s, i) => ref(s, ["servers", si, kind, opName, "scopes", i]));
      }
    }
    if (isObj(server.consent)) {
      for (const list of ["mandatory", "optional", "stepUp"] as const) {
        arr(server.consent[list]).forEach((s, i) => ref(s, ["servers", si, "consent", list, i]));
      }
    }
  });
  for (const [tierName, tier] of entries(input.tiers)) {
    if (!isObj(tier)) continue;
    issues.push(...agentTierGrantIssues(tierName, tier));
    arr(tier.scopes).forEach((s, i) => ref(s, ["tiers", tierName, "scopes", i]));
    arr(tier.exceptions).forEach((e, i) => isObj(e) && ref(e.scope, ["tiers", tierName, "exceptions", i, "scope"]));
    const clientNames = new Set<string>();
    arr(tier.clients).forEach((c, i) => {
      if (!isObj(c) || typeof c.name !== "string") return;
      if (clientNames.has(c.name)) issues.push({ path: formatPath(["tiers", tierName, "clients", i, "name"]), message: `duplicate client name '${c.name}' in tier '${tierName}'` });
      clientNames.add(c.name);
    });
  }
  for (const [groupName, group] of entries(input.groups)) {
    if (isObj(group)) arr(group.scopes).forEach((s, i) => ref(s, ["groups", groupName, "scopes", i]));
  }
  const groups = new Set(entries(input.groups).map(([k]) => k));
  if (isObj(input.dev)) {
    const usernames = new Map<string, number>();
    arr(input.dev.users).forEach((u, ui) => {
      if (!isObj(u)) return;
      if (typeof u.username === "string") {
        const prev = usernames.get(u.username);
        if (prev !== undefined) issues.push({ path: formatPath(["dev", "users", ui, "username"]), message: `duplicate username '${u.username}' (also dev.users[${prev}])` });
        else usernames.set(u.username, ui);
      }
      arr(u.groups).forEach((g, gi) => {
        if (typeof g === "string" && !groups.has(g)) issues.push({ path: formatPath(["dev", "users", ui, "groups", gi]), message: `group '${g}' is not declared in 'groups'` });
      });
    });
  }
  return issues;
}

/** Grant types that need a user at the authorization endpoint (or a device). */
const USER_FLOW_GRANTS: ReadonlySet<unknown> = new Set(["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"]);

/**
 * A client-credentials tier is an agent acting as itself (RFC 6749 §4.4): there is no user to
 * consent, so it may not also run user flows. Compiling `authorization_code`/`refresh_token` into
 * such a tier would give its clients user grants on every IdP.
 */
function agentTierGrantIssues(tierName: string, tier: Record<string, unknown>): DeclarationIssue[] {
  if (tier.registration !== "client-credentials") return [];
  const out: DeclarationIssue[] = [];
  arr(tier.grantTypes).forEach((g, i) => {
    if (USER_FLOW_GRANTS.has(g)) {
      out.push({
        path: formatPath(["tiers", tierName, "grantTypes", i]),
        message: `'${String(g)}' is a user flow, and a client-credentials tier has no user; keep only "client_credentials" here and declare user-facing clients in another tier`,
      });
    }
  });
  if (Array.isArray(tier.grantTypes) && !tier.grantTypes.includes("client_credentials")) {
    out.push({ path: formatPath(["tiers", tierName, "grantTypes"]), message: `a client-credentials tier needs the "client_credentials" grant type` });
  }
  return out;
}

/**
 * Validates a declaration: structure (zod), cross-references, agent-tier grant types and the
 * lifetime and cadence bounds (`bounds.ts`), all problems at once.
 * @throws DeclarationError listing every problem with its path.
 */
export function parseDeclarations(input: unknown): McpAuthDeclaration {
  const result = McpAuthDeclarationSchema.safeParse(input, { reportInput: true });
  const issues: DeclarationIssue[] = result.success
    ? []
    : result.error.issues.map((i) => ({ path: formatPath(i.path), message: describeZodIssue(i) }));
  if (!result.success) issues.push(...issuesBehindInvalidKeys(input, result.error.issues.filter((i) => i.code === "invalid_key")));
  issues.push(...crossReferenceIssues(input));
  // Lifetime and cadence bounds: the plan must never carry a value above them. Checked on the parsed
  // values, or on the numbers a structurally invalid declaration holds, so that every problem is
  // reported at once (a path zod already reported is not repeated).
  const seen = new Set(issues.map((i) => i.path));
  issues.push(...(result.success ? boundIssues(result.data) : boundIssues(boundsView(input)).filter((i) => !seen.has(i.path))));
  if (issues.length > 0 || !result.success) throw new DeclarationError(issues);
  return result.data;
}

/**
 * Declares the MCP authorization model. Identity at run time (validation happens in `compile`),
 * but gives editors full types and autocompletion for the declaration.
 */
export function defineMcpAuth<const T extends McpAuthDeclarationInput>(declaration: T): T {
  return declaration;
}
