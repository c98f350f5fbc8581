import * as pulumi from "@pulumi/pulumi";
import { parseEdgeConfig, type EdgeConfig } from "../../../lambda/config.js";
import { sealEdgeConfigs } from "../../../lambda/seal-config.js";

/**
 * The deployment archive: the esbuild bundle plus `edge-config.json` next to it. The config lives
 * in the archive rather than in environment variables because Lambda caps all environment
 * variables of a function at 4 KB together, and one CRM server's config is already larger (every
 * scope, its grants and every operation). The entry reads the file once at init
 * (`new URL("./edge-config.json", import.meta.url)`), so it is versioned and rolled back with the code.
 */

/** File names inside the archive. The handler is `index.<export>`. */
export const ARCHIVE_BUNDLE_NAME = "index.cjs";
export const ARCHIVE_CONFIG_NAME = "edge-config.json";

/** Lambda's limit on the environment of one function (keys and values, bytes). */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;

/**
 * The text of `edge-config.json`: a JSON array of validated edge configs, one per MCP server, in a
 * stable order (by server name) so an unchanged config yields an unchanged archive hash.
 */
export function edgeConfigFileText(configs: readonly EdgeConfig[]): string {
  const sorted = [...configs].sort((a, b) => (a.server < b.server ? -1 : a.server > b.server ? 1 : 0));
  // Sealed: validated here, so the bundle checks only an integrity hash at cold start (lambda/config-seal.ts).
  return `${JSON.stringify(sealEdgeConfigs(sorted), null, 1)}\n`;
}

/**
 * One server's deployable config: the per-server upstream override applied (gateway mode), the
 * upstream removed (authorizer mode: the REST API's own integration is the upstream), and the
 * result validated with the edge's schema. @throws Error naming the server and the field.
 */
export function prepareConfig(name: string, cfg: EdgeConfig, upstream: string | undefined, mode: "gateway" | "authorizer"): EdgeConfig {
  const merged: Record<string, unknown> = { ...cfg, ...(upstream !== undefined ? { upstream } : {}) };
  if (mode === "authorizer") delete merged.upstream;
  let parsed: EdgeConfig;
  try {
    parsed = parseEdgeConfig(merged);
  } catch (e) {
    throw new Error(`servers[${name}].edgeConfig: ${(e as Error).message}`);
  }
  if (mode === "gateway" && !parsed.upstream) throw new Error(`servers[${name}]: gateway mode needs an upstream URL; set servers[].upstream or the declaration's server.upstream`);
  return parsed;
}

/** Every resource must live on the custom domain: one McpEdge (one distribution) serves one host. */
export function checkCustomDomain(configs: readonly EdgeConfig[], domain: string): void {
  const want = domain.toLowerCase();
  for (const c of configs) {
    if (new URL(c.resource).host.toLowerCase() !== want) throw new Error(`servers[${c.server}]: resource ${c.resource} is not on customDomain.domainName ${want}; one McpEdge serves one host`);
  }
}

/** Resolves each server's config input and prepares it ({@link prepareConfig}), in argument order. */
export function resolveConfigs(
  servers: ReadonlyArray<{ name: string; edgeConfig: pulumi.Input<EdgeConfig>; upstream?: pulumi.Input<string> }>,
  mode: "gateway" | "authorizer",
): pulumi.Output<EdgeConfig[]> {
  return pulumi
    .all(servers.map((s) => pulumi.all([s.edgeConfig, s.upstream]).apply(([cfg, up]) => prepareConfig(s.name, cfg as EdgeConfig, up, mode))))
    .apply((list) => list);
}

/** Members of a JWK that are private key material (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

/** JWKS request timeout at deploy time, milliseconds. */
export const JWKS_SNAPSHOT_TIMEOUT_MS = 5000;

/**
 * Fetches a JWKS for the deploy-time snapshot. Only public members are kept; a set without any
 * usable key, a non-JSON answer or a non-2xx status fails the deployment (fail closed: a bad
 * snapshot would make every token fail until the first refetch).
 */
export async function fetchJwksSnapshot(jwksUri: string, fetchImpl: typeof fetch = fetch): Promise<{ keys: Array<{ kty: string; [k: string]: unknown }> }> {
  const res = await fetchImpl(jwksUri, { headers: { accept: "application/json" }, redirect: "error", signal: AbortSignal.timeout(JWKS_SNAPSHOT_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`JWKS snapshot: ${jwksUri} answered HTTP ${res.status}`);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new Error(`JWKS snapshot: ${jwksUri} did not answer JSON`);
  }
  const keys = (body as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new Error(`JWKS snapshot: ${jwksUri} has no "keys" array (RFC 7517 §5)`);
  const out: Array<{ kty: string; [k: string]: unknown }> = [];
  for (const k of keys) {
    if (typeof k !== "object" || k === null || typeof (k as { kty?: unknown }).kty !== "string") continue;
    if ((k as { kty: string }).kty === "oct") continue; // symmetric keys never verify an IdP's tokens
    const pub: Record<string, unknown> = { ...(k as Record<string, unknown>) };
    for (const m of PRIVATE_JWK_MEMBERS) delete pub[m];
    out.push(pub as { kty: string });
  }
  if (out.length === 0) throw new Error(`JWKS snapshot: ${jwksUri} holds no public signing key`);
  return { keys: out };
}

/** Adds a JWKS snapshot to every config (one fetch per distinct `jwksUri`). */
export async function withJwksSnapshots(configs: readonly EdgeConfig[], fetchImpl: typeof fetch = fetch): Promise<EdgeConfig[]> {
  const byUri = new Map<string, Promise<{ keys: Array<{ kty: string; [k: string]: unknown }> }>>();
  for (const c of configs) if (!byUri.has(c.jwksUri)) byUri.set(c.jwksUri, fetchJwksSnapshot(c.jwksUri, fetchImpl));
  const out: EdgeConfig[] = [];
  for (const c of configs) out.push(parseEdgeConfig({ ...c, jwks: await byUri.get(c.jwksUri)! }));
  return out;
}

/** The archive: bundle file + config text. */
export function edgeArchive(bundleFile: string, configText: string): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({
    [ARCHIVE_BUNDLE_NAME]: new pulumi.asset.FileAsset(bundleFile),
    [ARCHIVE_CONFIG_NAME]: new pulumi.asset.StringAsset(configText),
  });
}
