import type { EdgeConfig } from "../config.js";
import type { ClaimPolicy } from "./claims.js";
import { Introspector } from "./introspect.js";
import type { Operation, OperationTables } from "./jsonrpc.js";
import { RevocationList } from "./revocation-list.js";
import { KeyStore, type JwsAlg } from "./keys.js";
import { metadataDocument, metadataPath, metadataUrl } from "./metadata.js";
import { uriTemplateRegExp } from "./uri-template.js";
import { HeaderCache } from "./verify.js";

/** One configured MCP server, with everything precomputed at cold start. */
export interface ServerRuntime {
  config: EdgeConfig;
  /** Lowercased host of the resource URI. */
  host: string;
  /** Path of the resource URI (the MCP endpoint path). */
  path: string;
  metadataPath: string;
  metadataUrl: string;
  metadataBody: string;
  keys: KeyStore;
  headers: HeaderCache;
  claims: ClaimPolicy;
  /** Allowed browser origins: the configured ones, the resource's own origin and, on loopback, its aliases. */
  origins: ReadonlySet<string>;
  /** Whether the resource is on a loopback host (the local stack): see `originAllowed`. */
  loopback: boolean;
  /** Declared operations as `Map`s (request-controlled names never reach `Object.prototype`). */
  ops: OperationTables;
  introspector: Introspector | undefined;
  /** The authorization front's revocation list, when configured. */
  revocations: RevocationList | undefined;
  /** Whether any operation is declared (a bodyless POST then needs `Mcp-Method`). */
  hasOperations: boolean;
}

export interface RuntimeDeps {
  now: () => number;
  fetch: typeof fetch;
  secrets: (name: string) => string | undefined;
  onProblem: (server: string, reason: string, detail: string) => void;
}

/** Builds the runtime of one server. @throws Error when the introspection secret is named but unset. */
export function buildRuntime(c: EdgeConfig, d: RuntimeDeps): ServerRuntime {
  const u = new URL(c.resource);
  let introspector: Introspector | undefined;
  if (c.introspection) {
    const env = c.introspection.clientSecretEnv;
    const secret = env ? d.secrets(env) : undefined;
    if (env && secret === undefined) {
      throw new Error(`Edge config '${c.server}': introspection.clientSecretEnv names ${env}, which is not set; set it or remove introspection`);
    }
    introspector = new Introspector(c.introspection, secret, d.fetch);
  }
  let revocations: RevocationList | undefined;
  if (c.revocationList) {
    const secret = d.secrets(c.revocationList.clientSecretEnv);
    if (secret === undefined) throw new Error(`Edge config '${c.server}': revocationList.clientSecretEnv names ${c.revocationList.clientSecretEnv}, which is not set; set it or remove revocationList`);
    const window = Math.max(c.maxTokenAgeSeconds.routine, c.maxTokenAgeSeconds.high, c.maxTokenAgeSeconds.critical) + c.clockToleranceSeconds;
    revocations = new RevocationList({ ...c.revocationList, windowSeconds: window }, secret, d.fetch);
  }
  const ops = c.operations;
  const loopback = LOOPBACK_HOSTS.has(u.hostname.toLowerCase());
  const origins = new Set(c.allowedOrigins);
  // The server's own origin is never a cross-site attacker (MCP transports, "Security & Endpoint").
  origins.add(u.origin);
  // On loopback (the local stack) the same port under another loopback name is the same machine and server.
  if (loopback) for (const h of ["localhost", "127.0.0.1", "[::1]"]) origins.add(`${u.protocol}//${h}${u.port ? `:${u.port}` : ""}`);
  const templates = Object.entries(ops.resourceTemplates ?? {});
  return {
    config: c,
    host: u.host.toLowerCase(),
    path: u.pathname,
    metadataPath: metadataPath(c.resource),
    metadataUrl: metadataUrl(c.resource),
    metadataBody: JSON.stringify(metadataDocument(c)),
    keys: new KeyStore({
      jwksUri: c.jwksUri,
      algorithms: c.algorithms as JwsAlg[],
      snapshot: c.jwks as { keys: Array<Record<string, unknown>> } | undefined,
      fetch: d.fetch,
      now: d.now,
      onProblem: (reason, detail) => d.onProblem(c.server, reason, detail),
    }),
    headers: new HeaderCache(new Set(c.algorithms), c.tokenTypes),
    claims: { issuers: c.issuers, audiences: c.audiences, clockToleranceSeconds: c.clockToleranceSeconds },
    origins,
    loopback,
    ops: {
      tools: table(ops.tools),
      resources: table(ops.resources),
      prompts: table(ops.prompts),
      templates: table(ops.resourceTemplates ?? {}),
      templateMatchers: templates.map(([t, op]) => ({ re: uriTemplateRegExp(t)!, op })), // validated by the config schema
    },
    introspector,
    revocations,
    hasOperations: Object.keys(ops.tools).length + Object.keys(ops.resources).length + Object.keys(ops.prompts).length + templates.length > 0,
  };
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

function table(r: Record<string, Operation>): ReadonlyMap<string, Operation> {
  return new Map(Object.entries(r));
}

/**
 * Whether a present `Origin` may call the server (MCP transports: "Servers MUST validate the Origin
 * header … If the Origin header is present and invalid, servers MUST respond with HTTP 403").
 * Allowed: the configured origins and the server's own origin. On a loopback server, also a
 * loopback origin naming exactly the loopback `Host` the request was sent to (a local proxy in
 * front of the edge): a DNS-rebinding page has a foreign host name in both `Host` and `Origin`.
 */
export function originAllowed(s: ServerRuntime, origin: string, host: string | null): boolean {
  if (s.origins.has(origin)) return true;
  if (!s.loopback || host === null) return false;
  const h = host.toLowerCase();
  const name = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.split(":")[0]!;
  return LOOPBACK_HOSTS.has(name) && (origin === `http://${h}` || origin === `https://${h}`);
}
