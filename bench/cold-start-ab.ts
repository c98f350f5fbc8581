/**
 * Cold-start A/B (`npx tsx bench/cold-start-ab.ts`): the gateway bundle as built (sealed config, seal
 * checked at load) against the same entry bundled with the zod validator (raw config validated at
 * load). CPU time (user + system) of the process to the first decision, over an empty script, median
 * of 21 paired runs: robust to a busy machine, unlike wall time.
 */
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEdgeBundle } from "../lambda/build.js";
import { edgeConfigFor } from "../components/edge-config.js";
import { compile } from "../components/plan/compile.js";
import crm from "../stacks/crm/mcp-auth.js";
import { sealEdgeConfigs } from "../lambda/seal-config.js";
import { keyPair, tokens, ISS } from "./edge-requests.js";
const dir = mkdtempSync(join(tmpdir(), "ab-"));
const sealed = (await buildEdgeBundle({ outdir: join(dir, "sealed") })).file;
// The same entry bundled the previous way: the config module with zod validation inlined.
const zodFile = join(dir, "zod", "index.cjs");
await build({ stdin: { contents: `import { handler, httpApi } from ${JSON.stringify(join(process.cwd(), "lambda/aws-entry.ts"))};\nmodule.exports = { handler, httpApi };\n`, resolveDir: join(process.cwd(), "lambda"), loader: "ts" }, outfile: zodFile, bundle: true, format: "cjs", banner: { js: '"use strict";' }, platform: "node", target: "node20", minify: true, legalComments: "none", conditions: ["import"], mainFields: ["module", "main"], external: ["@aws-sdk/*"], logLevel: "error" });
const k = keyPair("RS256");
const [token] = tokens("RS256", k, Math.floor(Date.now() / 1000));
const config = { ...edgeConfigFor(compile(crm), "crm", { issuer: ISS, jwksUri: "https://idp.example.com/jwks", jwks: { keys: [k.jwk as { kty: string }] }, tokenTypes: ["at+jwt"] }), upstream: undefined };
const script = (file: string) => { const p = join(dir, `run-${file.includes("sealed") ? "s" : "z"}.cjs`); writeFileSync(p, `const { httpApi } = require(${JSON.stringify(file)});
(async () => { const r = await httpApi({ rawPath: "/crm", rawQueryString: "", headers: { host: "mcp.example.com", authorization: "Bearer " + process.env.TOKEN, "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_customers", arguments: {} } }), isBase64Encoded: false, requestContext: { http: { method: "POST", sourceIp: "203.0.113.1" } } });
if (r.statusCode !== 501) { console.error("status " + r.statusCode); process.exit(1); }
const u = process.cpuUsage(); require("node:fs").writeSync(2, "C " + (u.user + u.system) + "\\n"); })();\n`); return p; };
const s = script(sealed), z = script(zodFile);
const empty = join(dir, "empty.cjs"); writeFileSync(empty, 'const u = process.cpuUsage(); require("node:fs").writeSync(2, "C " + (u.user + u.system) + "\\n");\n');
const cpu = (f: string, cfg: string) => { const r = spawnSync(process.execPath, [f], { env: { ...process.env, MCP_EDGE_CONFIG: cfg, TOKEN: token! }, stdio: ["ignore", "ignore", "pipe"] }); const m = /C (\d+)/.exec(r.stderr.toString()); if (!m) throw new Error(r.stderr.toString()); return Number(m[1]) / 1000; };
const med = (a: number[]) => { const x = [...a].sort((p, q) => p - q); return x[x.length >> 1]!; };
const ds: number[] = [], dz: number[] = [];
for (let i = 0; i < 21; i++) { const e = cpu(empty, ""); ds.push(cpu(s, JSON.stringify(sealEdgeConfigs([config]))) - e); dz.push(cpu(z, JSON.stringify([config])) - e); }
console.log("CPU ms over an empty script, median of 21 paired runs: sealed", med(ds).toFixed(1), "zod-validated", med(dz).toFixed(1), "paired diff", med(dz.map((v, i) => v - ds[i]!)).toFixed(1));
