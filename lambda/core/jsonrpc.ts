import type { EdgeConfig } from "../config.js";
import { hasDuplicateMembers } from "./json.js";
import { maxLevel, type Sensitivity } from "./scopes.js";

/**
 * Reads what a request asks the MCP server to do, from the JSON-RPC body and the 2026-07-28
 * `Mcp-Method` / `Mcp-Name` headers (transports, "HTTP headers for routing", RS-24).
 */

/** One JSON-RPC call (or notification) in a request. */
export interface Call {
  method: string;
  /** `params.name` (tools/call, prompts/get) or `params.uri` (resources/read). */
  name: string | undefined;
  /** Parameter object, for the audit record (values are hashed there). */
  params: Record<string, unknown> | undefined;
  notification: boolean;
}

/** Methods whose target needs a declared operation, and where the target is named. */
const TARGETED: Record<string, { kind: "tools" | "resources" | "prompts"; field: "name" | "uri" }> = {
  "tools/call": { kind: "tools", field: "name" },
  "resources/read": { kind: "resources", field: "uri" },
  "prompts/get": { kind: "prompts", field: "name" },
};

/** JSON-RPC error code for a header/body mismatch (MCP 2026-07-28 transports: `HeaderMismatch`). */
export const HEADER_MISMATCH = -32020;

export type ParseProblem = { status: 400; code: number; message: string; reason: string };

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses a JSON-RPC message or batch into calls; a problem when it is not valid JSON-RPC 2.0. */
export function parseCalls(body: string): Call[] | ParseProblem {
  let msg: unknown;
  try {
    msg = JSON.parse(body);
  } catch {
    return { status: 400, code: -32700, message: "Parse error", reason: "body_not_json" };
  }
  // A member given twice (`"name":"a","name":"b"`) means different things to first-wins and
  // last-wins parsers: the edge could authorize one tool while the upstream runs the other.
  if (hasDuplicateMembers(body, msg)) return { status: 400, code: -32600, message: "Invalid Request: duplicate member", reason: "body_duplicate_member" };
  const list = Array.isArray(msg) ? msg : [msg];
  if (list.length === 0) return { status: 400, code: -32600, message: "Invalid Request: empty batch", reason: "body_empty_batch" };
  const calls: Call[] = [];
  for (const m of list) {
    if (!isObj(m) || m.jsonrpc !== "2.0") return { status: 400, code: -32600, message: "Invalid Request", reason: "body_not_jsonrpc" };
    if (typeof m.method !== "string") {
      // A response (client answering a server request) carries no method and needs only a valid token.
      if ("result" in m || "error" in m) continue;
      return { status: 400, code: -32600, message: "Invalid Request", reason: "body_not_jsonrpc" };
    }
    const params = isObj(m.params) ? m.params : undefined;
    if (m.params !== undefined && !params && !Array.isArray(m.params)) {
      return { status: 400, code: -32600, message: "Invalid Request: params", reason: "body_bad_params" };
    }
    const t = TARGETED[m.method];
    let name: string | undefined;
    if (t) {
      const v = params?.[t.field];
      if (typeof v !== "string") return { status: 400, code: -32602, message: `Invalid params: ${t.field}`, reason: "body_missing_target" };
      name = v;
    }
    calls.push({ method: m.method, name, params, notification: !("id" in m) });
  }
  return calls;
}

/** The calls named by the `Mcp-Method`/`Mcp-Name` headers alone (bodyless authorizer mode). */
export function callsFromHeaders(method: string, name: string | null): Call[] | ParseProblem {
  const t = TARGETED[method];
  if (t && !name) return { status: 400, code: HEADER_MISMATCH, message: "Mcp-Name header required", reason: "header_name_missing" };
  return [{ method, name: t ? (name ?? undefined) : undefined, params: undefined, notification: false }];
}

const MISMATCH: Readonly<ParseProblem> = { status: 400, code: HEADER_MISMATCH, message: "Mcp-Method/Mcp-Name headers do not match the body", reason: "header_body_mismatch" };

/** First protocol version whose clients MUST send `Mcp-Method` (and `Mcp-Name`) on every request. */
export const HEADERS_REQUIRED_FROM = "2026-07-28";

/**
 * Checks `Mcp-Method`/`Mcp-Name` against the body: servers that read the body MUST reject a
 * mismatch with 400 and JSON-RPC error -32020 (RS-24). Headers describe one message, so every
 * message in a batch must match them.
 *
 * Presence: MCP 2026-07-28 transports ("Standard headers", SEP-2243 as amended by spec PR #2891)
 * make `Mcp-Method` REQUIRED on every request, and `Mcp-Name` on `tools/call`, `resources/read`
 * and `prompts/get`; a missing required header is rejected like a mismatch. Header rules for
 * notifications and responses are undefined there, so those pass. A client announcing an older
 * `MCP-Protocol-Version` (or none, e.g. SDK 1.32) never sends the headers and is not held to them.
 * Versions compare as `YYYY-MM-DD` strings; a non-date version (e.g. a `DRAFT-…` name) counts as newer.
 */
export function headersMatch(calls: readonly Call[], method: string | null, name: string | null, version: string | null): ParseProblem | undefined {
  const required = version !== null && version >= HEADERS_REQUIRED_FROM;
  if (method === null) {
    if (required && calls.some((c) => !c.notification)) return { ...MISMATCH, message: "Mcp-Method header required", reason: "header_method_missing" };
    if (name === null) return undefined;
  }
  if (calls.length === 0) return { ...MISMATCH };
  for (const c of calls) {
    if (method !== null && c.method !== method) return { ...MISMATCH };
    if (name !== null && c.name !== name) return { ...MISMATCH };
    if (name === null && c.name !== undefined) return { ...MISMATCH, message: "Mcp-Name header required", reason: "header_name_missing" };
  }
  return undefined;
}

/** What a set of calls needs: every scope, the highest sensitivity, and undeclared targets. */
export interface Requirement {
  scopes: string[];
  sensitivity: Sensitivity;
  undeclared: string[];
}

/** Union of the scopes every call needs (one complete challenge, RS-12) and the highest level. */
export function requirementOf(calls: readonly Call[], ops: EdgeConfig["operations"]): Requirement {
  const scopes = new Set<string>();
  let sensitivity: Sensitivity = "routine";
  const undeclared: string[] = [];
  for (const c of calls) {
    const t = TARGETED[c.method];
    if (!t || c.name === undefined) continue;
    const table = ops[t.kind];
    const op = Object.hasOwn(table, c.name) ? table[c.name] : undefined;
    if (!op) {
      undeclared.push(`${c.method}:${c.name}`);
      continue;
    }
    for (const s of op.scopes) scopes.add(s);
    sensitivity = maxLevel(sensitivity, op.sensitivity);
  }
  return { scopes: [...scopes], sensitivity, undeclared };
}
