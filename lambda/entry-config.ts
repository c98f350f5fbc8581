import type { JsonWebKey } from "node:crypto";
import { AUDIT_ENV, awsCheckpointsFromEnv } from "./aws/audit-checkpoints.js";
import type { CheckpointOptions } from "./core/checkpoint.js";
import { openSealedConfigs } from "./config-seal.js";

/**
 * What both Lambda entries read once at module init (gateway `aws-entry.ts`, authorizer
 * `aws/authorizer-entry.ts`):
 * - env `MCP_EDGE_CONFIG`: the edge config JSON (one config or an array), else
 * - the file at env `MCP_EDGE_CONFIG_PATH`, else `edge-config.json` next to the bundle;
 * - env `MCP_EDGE_ASSERTION_KEY`: the private JWK (JSON) signing the upstream identity assertion.
 * Returns `[configs, options]` for `createEdge`: the configs unvalidated (`createEdge` validates them
 * with zod and names a bad field), the options with the assertion key when one is set.
 */
export function entryInputs(entry: { afterResponse?: boolean } = {}): [configs: unknown, options: EntryOptions] {
  const env = process.env;
  const keyText = env.MCP_EDGE_ASSERTION_KEY;
  const options: EntryOptions = keyText ? { assertionKey: json(keyText, "MCP_EDGE_ASSERTION_KEY") as JsonWebKey } : {};
  const hmac = env[AUDIT_ENV.hmacKey];
  if (hmac !== undefined) options.auditHmacKey = hmac;
  const checkpoints = awsCheckpointsFromEnv(env);
  if (checkpoints) options.checkpoints = checkpoints;
  // The entry's adapter calls `edge.afterResponse()` once the response is written.
  if (entry.afterResponse) options.deferAudit = true;
  // A sealed config (validated at deploy time) is checked against its hash here; see config-seal.ts.
  return [openSealedConfigs(json(configText(), "the edge config")), options];
}

/**
 * The `createEdge` options an entry reads from its environment: the assertion key, and audit
 * protection — `MCP_EDGE_AUDIT_HMAC_KEY` (keyed hashes of argument values), and
 * `MCP_EDGE_AUDIT_KMS_KEY_ID` with `MCP_EDGE_AUDIT_CHECKPOINT_LOG_GROUP` (signed checkpoints,
 * lambda/aws/audit-checkpoints.ts).
 */
export interface EntryOptions {
  assertionKey?: JsonWebKey;
  auditHmacKey?: string;
  checkpoints?: CheckpointOptions;
  deferAudit?: boolean;
}

function configText(): string {
  const inline = process.env.MCP_EDGE_CONFIG;
  if (inline) return inline;
  // getBuiltinModule: no ESM facade (which would load fs streams) on the cold path; Node >= 22.12.
  const { readFileSync } = (process as unknown as { getBuiltinModule(id: string): typeof import("node:fs") }).getBuiltinModule("node:fs");
  // Next to the bundle: `__dirname` in the CommonJS bundle, a file URL when loaded as ESM.
  const path = process.env.MCP_EDGE_CONFIG_PATH || (typeof __dirname === "string" ? `${__dirname}/edge-config.json` : new URL("edge-config.json", import.meta.url));
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`MCP edge: cannot read the edge config at ${path} (${(e as NodeJS.ErrnoException).code ?? "error"}); ship edge-config.json next to the bundle or set MCP_EDGE_CONFIG_PATH / MCP_EDGE_CONFIG`);
  }
}

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`MCP edge: ${what} is not valid JSON`); // never echo the text (the key is a secret)
  }
}
