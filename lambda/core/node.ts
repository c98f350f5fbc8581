import type * as NodeCrypto from "node:crypto";

/**
 * node:crypto without the ESM facade: `import … from "node:crypto"` makes Node evaluate every
 * export getter (loading WebCrypto), which costs milliseconds of cold start. `getBuiltinModule`
 * (Node ≥ 20.16; the package needs ≥ 22.12) returns the CommonJS module as is.
 */
const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
if (!builtin) throw new Error("pulumi-mcp-auth edge needs Node.js >= 22.12");
/** `process.getBuiltinModule`, checked once here for every module of the edge. */
export const getBuiltin: (id: string) => unknown = builtin;

export const nodeCrypto = getBuiltin("node:crypto") as typeof NodeCrypto;
