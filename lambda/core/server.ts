import type { EdgeConfig } from "../config.js";
import type { ClaimPolicy } from "./claims.js";
import { Introspector } from "./introspect.js";
import { RevocationList } from "./revocation-list.js";
import { KeyStore, type JwsAlg } from "./keys.js";
import { metadataDocument, metadataPath, metadataUrl } from "./metadata.js";
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
  origins: ReadonlySet<string>;
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
    origins: new Set(c.allowedOrigins),
    introspector,
    revocations,
    hasOperations: Object.keys(ops.tools).length + Object.keys(ops.resources).length + Object.keys(ops.prompts).length > 0,
  };
}
