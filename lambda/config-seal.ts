import { nodeCrypto } from "./core/node.js";

/**
 * Sealed edge configs: validated once at deploy time (zod, `sealEdgeConfig` in seal-config.ts) and
 * shipped with a SHA-256 integrity hash, so a Lambda cold start checks only the hash and carries no
 * validator. Each config holds its seal in the member `$sealed`: `v1:<sha256 base64url>` of the
 * config's compact JSON without that member.
 *
 * What it guarantees: a config changed after validation (a hand edit, a corrupted file) fails the
 * cold start, naming the server. It is an integrity hash, not a signature: whoever deliberately
 * recomputes it could equally replace the bundle itself.
 */
export const SEAL_MEMBER = "$sealed";
const PREFIX = "v1:";

/** Configs whose seal was checked (what the bundle's config stand-in accepts). */
const opened = new WeakSet<object>();

/** The seal of a config (its compact JSON, without `$sealed`). */
export function sealOf(config: Record<string, unknown>): string {
  return PREFIX + nodeCrypto.hash("sha256", JSON.stringify(config), "base64url");
}

/**
 * Checks and strips the seals of parsed configs (one config or an array). Unsealed configs are
 * returned as they are (the caller validates them, or refuses them). @throws Error on a bad seal.
 */
export function openSealedConfigs(input: unknown): unknown {
  const list = Array.isArray(input) ? input : [input];
  for (const c of list) {
    if (typeof c !== "object" || c === null || !(SEAL_MEMBER in c)) continue;
    const rec = c as Record<string, unknown>;
    const seal = rec[SEAL_MEMBER];
    delete rec[SEAL_MEMBER];
    if (typeof seal !== "string" || seal !== sealOf(rec)) {
      throw new Error(`MCP edge: the edge config of server '${String(rec.server)}' was changed after it was validated (its $sealed hash does not match); regenerate edge-config.json (pulumi up, or sealEdgeConfigs) instead of editing it`);
    }
    opened.add(rec);
  }
  return input;
}

/** Whether `config` came from `openSealedConfigs` with an intact seal. */
export function isOpenedSealedConfig(config: unknown): boolean {
  return typeof config === "object" && config !== null && opened.has(config);
}
