import { parseEdgeConfig, type EdgeConfig } from "./config.js";
import { SEAL_MEMBER, sealOf } from "./config-seal.js";

/**
 * Validates an edge config (zod; throws `EdgeConfigError` naming the field) and returns it with its
 * integrity seal (`$sealed`), ready to ship next to the Lambda bundle: the bundle checks only the
 * seal at cold start (config-seal.ts).
 */
export function sealEdgeConfig(input: unknown): EdgeConfig & { [SEAL_MEMBER]: string } {
  const c = parseEdgeConfig(input);
  return { ...c, [SEAL_MEMBER]: sealOf(c as unknown as Record<string, unknown>) };
}

/** `sealEdgeConfig` for each config: the array the deployed `edge-config.json` holds. */
export function sealEdgeConfigs(configs: readonly unknown[]): Array<EdgeConfig & { [SEAL_MEMBER]: string }> {
  return configs.map(sealEdgeConfig);
}
