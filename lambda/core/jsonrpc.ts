import { hasDuplicateMembers, isUtf8 } from "./json.js";
import { maxLevel, type Sensitivity } from "./scopes.js";

/**
 * Reads what a request asks the MCP server to do, from the JSON-RPC body and the 2026-07-28
 * `Mcp-Method` / `Mcp-Name` headers (transports, "Request Metadata", RS-24), and says which
 * methods the edge lets through: deny by default.
 */

/** Which declared table names a call's target. */
export type TargetKind = "tools" | "resources" | "prompts";

/** One JSON-RPC call (or notification) in a request. */
export interface Call {
  method: string;
  /** The target: `params.name` (tools/call, prompts/get), `params.uri` (resources/*), or the completion `ref`. */
  name: string | undefined;
  /** Where `name` is declared, for methods authorized by their target. */
  kind: TargetKind | undefined;
  /** Whether `name` is mirrored in `Mcp-Name` (tools/call, resources/read, prompts/get only). */
  mirrored: boolean;
  /** Parameter object, for the audit record (values are hashed there). */
  params: Record<string, unknown> | undefined;
  notification: boolean;
  /** `params._meta["io.modelcontextprotocol/protocolVersion"]` when a string (MCP 2026-07-28). */
  metaVersion: string | undefined;
  /** The request `id` (a string or number; null otherwise), echoed in a JSON-RPC error about it. */
  id?: string | number | null;
}

/** A parsed body: its calls, whether it was a batch, and how many JSON-RPC responses it held. */
export interface Parsed {
  calls: Call[];
  batch: boolean;
  responses: number;
}

/**
 * Methods authorized by the declared operation they name, and where the name is. A `Map`, never an
 * object: a request-controlled method name such as `constructor` or `__proto__` must not find
 * `Object.prototype` members.
 */
const TARGETED = new Map<string, { kind: TargetKind; field: "name" | "uri"; mirrored: boolean }>([
  ["tools/call", { kind: "tools", field: "name", mirrored: true }],
  ["resources/read", { kind: "resources", field: "uri", mirrored: true }],
  ["prompts/get", { kind: "prompts", field: "name", mirrored: true }],
  // Subscribing to a resource is reading its updates: the resource's scopes (2025-11-25 server/resources "Subscriptions").
  ["resources/subscribe", { kind: "resources", field: "uri", mirrored: false }],
  ["resources/unsubscribe", { kind: "resources", field: "uri", mirrored: false }],
]);

/**
 * Methods that need only a valid token: the handshake and discovery (`initialize`, `ping`,
 * `server/discover` of 2026-07-28) and the list methods. Notifications (`notifications/*`, sent
 * without an id) and JSON-RPC responses of older revisions need only a valid token too. Every
 * other method is refused (deny by default), so a new protocol method never passes unreviewed.
 */
export const TOKEN_ONLY_METHODS: ReadonlySet<string> = new Set([
  "initialize",
  "ping",
  "server/discover",
  "tools/list",
  "resources/list",
  "resources/templates/list",
  "prompts/list",
]);

/** JSON-RPC error code for a header/body mismatch (MCP 2026-07-28 transports: `HeaderMismatch`). */
export const HEADER_MISMATCH = -32020;

export type ParseProblem = { status: 400; code: number; message: string; reason: string };
/** A 400 problem (one constructor keeps the bundle small). */
export const bad = (code: number, message: string, reason: string): ParseProblem => ({ status: 400, code, message, reason });
const INVALID = -32600;

/** `params._meta` key of the protocol version (MCP 2026-07-28, changelog "Make MCP stateless"). */
const META_VERSION = "io.modelcontextprotocol/protocolVersion";

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The target of `completion/complete`: `ref/prompt` → a prompt name, `ref/resource` → a resource URI or template. */
function completionTarget(params: Record<string, unknown> | undefined): { kind: TargetKind; name: string } | undefined {
  const ref = params?.ref;
  if (!isObj(ref)) return undefined;
  if (ref.type === "ref/prompt" && typeof ref.name === "string") return { kind: "prompts", name: ref.name };
  if (ref.type === "ref/resource" && typeof ref.uri === "string") return { kind: "resources", name: ref.uri };
  return undefined;
}

/** Parses a JSON-RPC message or batch into calls; a problem when it is not valid JSON-RPC 2.0. */
export function parseCalls(body: string): Parsed | ParseProblem {
  let msg: unknown;
  try {
    msg = JSON.parse(body);
  } catch {
    return bad(-32700, "Parse error", "body_not_json");
  }
  // A member given twice (`"name":"a","name":"b"`) means different things to first-wins and
  // last-wins parsers: the edge could authorize one tool while the upstream runs the other.
  if (hasDuplicateMembers(body, msg)) return bad(INVALID, "Invalid Request: duplicate member", "body_duplicate_member");
  const batch = Array.isArray(msg);
  const list: unknown[] = Array.isArray(msg) ? msg : [msg];
  if (list.length === 0) return bad(INVALID, "Invalid Request: empty batch", "body_empty_batch");
  const calls: Call[] = [];
  let responses = 0;
  for (const m of list) {
    if (!isObj(m) || m.jsonrpc !== "2.0") return bad(INVALID, "Invalid Request", "body_not_jsonrpc");
    if (typeof m.method !== "string") {
      // A response (client answering a server request, revisions before 2026-07-28) carries no method.
      if (Object.hasOwn(m, "result") || Object.hasOwn(m, "error")) {
        responses++;
        continue;
      }
      return bad(INVALID, "Invalid Request", "body_not_jsonrpc");
    }
    const params = isObj(m.params) ? m.params : undefined;
    if (m.params !== undefined && !params && !Array.isArray(m.params)) {
      return bad(INVALID, "Invalid Request: params", "body_bad_params");
    }
    let name: string | undefined;
    let kind: TargetKind | undefined;
    let mirrored = false;
    const t = TARGETED.get(m.method);
    if (t) {
      const v = params?.[t.field];
      if (typeof v !== "string") return bad(-32602, `Invalid params: ${t.field}`, "body_missing_target");
      name = v;
      kind = t.kind;
      mirrored = t.mirrored;
    } else if (m.method === "completion/complete") {
      const c = completionTarget(params);
      if (!c) return bad(-32602, "Invalid params: ref", "body_missing_target");
      name = c.name;
      kind = c.kind;
    }
    const meta = params?._meta;
    const mv = isObj(meta) && Object.hasOwn(meta, META_VERSION) ? meta[META_VERSION] : undefined;
    const id = m.id;
    calls.push({ method: m.method, name, kind, mirrored, params, notification: !Object.hasOwn(m, "id"), metaVersion: typeof mv === "string" ? mv : undefined, id: typeof id === "string" || typeof id === "number" ? id : null });
  }
  return { calls, batch, responses };
}

/**
 * Decodes an `Mcp-Name` value: `=?base64?{Base64}?=` carries the UTF-8 of a value that is not a
 * plain ASCII header value (MCP 2026-07-28 transports, "Value Encoding": servers MUST decode it
 * before comparing). The markers are case-sensitive. `undefined` when the encoding is malformed.
 */
export function decodeHeaderValue(v: string): string | undefined {
  // Anything else must be a plain header value: visible ASCII, space and tab ("Value Encoding").
  if (!v.startsWith("=?base64?") || !v.endsWith("?=") || v.length < 11) return /^[\t\x20-\x7e]*$/.test(v) ? v : undefined;
  const b64 = v.slice(9, -2);
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
  const bytes = Buffer.from(b64, "base64");
  return isUtf8(bytes) ? bytes.toString("utf8") : undefined;
}

const BODY_NEEDED = bad(INVALID, "Request body needed to authorize this method", "operation_unknown");

/** The calls named by the `Mcp-Method`/`Mcp-Name` headers alone (bodyless authorizer mode). */
export function callsFromHeaders(method: string, name: string | null): Call[] | ParseProblem {
  const t = TARGETED.get(method);
  if (t && !t.mirrored) {
    // The target of resources/subscribe is only in the body, which an authorizer never sees.
    return BODY_NEEDED;
  }
  if (t && !name) return bad(HEADER_MISMATCH, "Mcp-Name header required", "header_name_missing");
  if (method === "completion/complete") return BODY_NEEDED;
  return [{ method, name: t ? (name ?? undefined) : undefined, kind: t?.kind, mirrored: t !== undefined, params: undefined, notification: false, metaVersion: undefined }];
}

const MISMATCH: Readonly<ParseProblem> = bad(HEADER_MISMATCH, "Mcp-Method/Mcp-Name headers do not match the body", "header_body_mismatch");

/** First protocol version whose clients MUST send `Mcp-Method` (and `Mcp-Name`) on every request. */
export const HEADERS_REQUIRED_FROM = "2026-07-28";

/**
 * Whether an `MCP-Protocol-Version` value is 2026-07-28 or later. Versions compare as `YYYY-MM-DD`
 * strings; a non-date version (e.g. a `DRAFT-…` name) counts as newer.
 */
export function isModern(version: string | null): boolean {
  return version !== null && version >= HEADERS_REQUIRED_FROM;
}

/**
 * Checks `Mcp-Method`/`Mcp-Name` against the body: servers that read the body MUST reject a
 * mismatch with 400 and JSON-RPC error -32020 (RS-24). Headers describe one message, so every
 * message in a batch must match them. `name` is the decoded `Mcp-Name`.
 *
 * Presence: MCP 2026-07-28 transports ("Standard Request Headers") make `Mcp-Method` REQUIRED on
 * every request, and `Mcp-Name` on `tools/call`, `resources/read` and `prompts/get`; a missing
 * required header is rejected like a mismatch. Header rules for notifications are undefined there,
 * so those pass. A client announcing an older `MCP-Protocol-Version` (or none, e.g. SDK 1.32)
 * never sends the headers and is not held to them.
 *
 * Version: "The header value MUST match the `io.modelcontextprotocol/protocolVersion` field carried
 * in the request body's `_meta`" — checked whenever the body carries it, whatever the version: an
 * older header cannot switch the header checks off for a 2026-07-28 body, and a missing header (a
 * required standard header) is a mismatch too.
 */
export function headersMatch(calls: readonly Call[], method: string | null, name: string | null, version: string | null): ParseProblem | undefined {
  for (const c of calls) {
    if (c.metaVersion !== undefined && c.metaVersion !== version) return { ...MISMATCH, message: "MCP-Protocol-Version does not match the body's _meta protocol version", reason: "header_version_mismatch" };
  }
  if (method === null) {
    if (isModern(version) && calls.some((c) => !c.notification)) return { ...MISMATCH, message: "Mcp-Method header required", reason: "header_method_missing" };
    if (name === null) return undefined;
  }
  if (calls.length === 0) return { ...MISMATCH };
  for (const c of calls) {
    if (method !== null && c.method !== method) return { ...MISMATCH };
    const mirrored = c.mirrored ? c.name : undefined;
    if (name !== null && mirrored !== name) return { ...MISMATCH };
    if (name === null && mirrored !== undefined) return { ...MISMATCH, message: "Mcp-Name header required", reason: "header_name_missing" };
  }
  return undefined;
}

/** One declared operation as the edge enforces it. */
export interface Operation {
  scopes: readonly string[];
  sensitivity: Sensitivity;
}

/** The declared operations of a server, in lookup form (`Map`s: names come from the request). */
export interface OperationTables {
  tools: ReadonlyMap<string, Operation>;
  resources: ReadonlyMap<string, Operation>;
  prompts: ReadonlyMap<string, Operation>;
  /** Resource templates: the template string itself, and a matcher for concrete URIs. */
  templates: ReadonlyMap<string, Operation>;
  templateMatchers: ReadonlyArray<{ re: RegExp; op: Operation }>;
}

/** What a set of calls needs: every scope, the highest sensitivity, undeclared targets, refused methods. */
export interface Requirement {
  scopes: string[];
  sensitivity: Sensitivity;
  undeclared: string[];
  refused: string[];
}

/**
 * The declared operations a target resolves to. A resource URI is looked up exactly, then (with
 * `completion/complete`) as a template string, then against every declared template; when several
 * templates match, all their scopes are needed (fail closed).
 */
function operationsOf(kind: TargetKind, name: string, t: OperationTables): Operation[] {
  const exact = t[kind].get(name);
  if (exact) return [exact];
  if (kind !== "resources") return [];
  const tpl = t.templates.get(name);
  if (tpl) return [tpl];
  const out: Operation[] = [];
  for (const m of t.templateMatchers) if (m.re.test(name)) out.push(m.op);
  return out;
}

/** Union of the scopes every call needs (one complete challenge, RS-12), the highest level, and what is refused. */
export function requirementOf(calls: readonly Call[], t: OperationTables): Requirement {
  const scopes = new Set<string>();
  let sensitivity: Sensitivity = "routine";
  const undeclared: string[] = [];
  const refused: string[] = [];
  for (const c of calls) {
    if (c.kind === undefined || c.name === undefined) {
      const ok = TOKEN_ONLY_METHODS.has(c.method) || (c.notification && c.method.startsWith("notifications/"));
      if (!ok) refused.push(c.method);
      continue;
    }
    const ops = operationsOf(c.kind, c.name, t);
    if (ops.length === 0) {
      undeclared.push(`${c.method}:${c.name}`);
      continue;
    }
    for (const op of ops) {
      for (const s of op.scopes) scopes.add(s);
      sensitivity = maxLevel(sensitivity, op.sensitivity);
    }
  }
  return { scopes: [...scopes], sensitivity, undeclared, refused };
}
