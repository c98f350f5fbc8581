import type { EdgeConfig } from "./config.js";
import { isOpenedSealedConfig } from "./config-seal.js";

/**
 * What the Lambda bundles use in place of `config.ts` (lambda/build.ts aliases it for the core):
 * configs were validated at deploy time and sealed; the cold start checked the seal
 * (`openSealedConfigs`, entry-config.ts) and carries no validator. An unsealed config is refused:
 * nothing reaches the edge unvalidated.
 */
export const EDGE_CONFIG_VERSION = 1 as const;

export class EdgeConfigError extends Error {
  override readonly name = "EdgeConfigError";
}

export function parseEdgeConfig(input: unknown): EdgeConfig {
  if (isOpenedSealedConfig(input)) return input as EdgeConfig;
  throw new EdgeConfigError("Invalid edge config: this bundle accepts only sealed configs (validated at deploy time): ship the edge-config.json that McpEdge writes, or seal it with sealEdgeConfigs()");
}
