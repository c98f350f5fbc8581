/**
 * Cold-start A/B (`npx tsx bench/cold-start-ab.ts [git-ref]`, default `main`): the gateway bundle of
 * the working tree against the gateway bundle of `git-ref` (its `lambda/` extracted and bundled by its
 * own lambda/build.ts). Each process requires the bundle as the Lambda nodejs runtime does, checks the
 * config seal, decides one HTTP API v2 event (RS256, JWKS snapshot) and writes its audit record (the
 * buffered handler drains the audit before it returns), as bench/edge-cold-start.ts measures it.
 *
 * Runs are interleaved (bare `node -e 0`, an empty CommonJS script, A, B; A and B swap order every
 * round). Figures: wall time of the whole process over `node -e 0` (the judged cold-start figure), and
 * CPU time (user + system) of the process up to the end of the first request over the empty script's,
 * which a busy machine disturbs less; each the median of per-round differences, and the median of the
 * per-round B − A. `BENCH_COLD_RUNS` rounds (default 31).
 *
 * `--zod` instead compares the bundle as built (sealed config, seal checked at load) against the same
 * entry bundled with the zod validator (raw config validated at load).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { edgeConfigFor } from "../components/edge-config.js";
import { compile } from "../components/plan/compile.js";
import { buildEdgeBundle } from "../lambda/build.js";
import { sealEdgeConfigs } from "../lambda/seal-config.js";
import crm from "../stacks/crm/mcp-auth.js";
import { ISS, keyPair, lambdaAt, tokens } from "./edge-requests.js";
import { median } from "./support.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const zod = process.argv.includes("--zod");
const ref = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "main";
const runs = Number(process.env.BENCH_COLD_RUNS ?? 31);
const dir = mkdtempSync(join(tmpdir(), "cold-ab-"));

const k = keyPair("RS256");
const [token] = tokens("RS256", k, Math.floor(Date.now() / 1000));
const config = { ...edgeConfigFor(compile(crm), "crm", { issuer: ISS, jwksUri: "https://idp.example.com/jwks", jwks: { keys: [k.jwk as { kty: string }] }, tokenTypes: ["at+jwt"] }), upstream: undefined };
const sealed = JSON.stringify(sealEdgeConfigs([config]));

/** A: the bundle at `ref` (or the zod-validating bundle), with the config it reads. */
async function baseline(): Promise<{ name: string; file: string; config: string }> {
  if (zod) {
    // The same entry bundled the previous way: the config module with zod validation inlined.
    const file = join(dir, "zod", "index.cjs");
    await build({ stdin: { contents: `import { handler, httpApi } from ${JSON.stringify(join(root, "lambda/aws-entry.ts"))};\nmodule.exports = { handler, httpApi };\n`, resolveDir: join(root, "lambda"), loader: "ts" }, outfile: file, bundle: true, format: "cjs", banner: { js: '"use strict";' }, platform: "node", target: "node20", minify: true, legalComments: "none", conditions: ["import"], mainFields: ["module", "main"], external: ["@aws-sdk/*"], logLevel: "error" });
    return { name: "zod-validated", file, config: JSON.stringify([config]) };
  }
  const lambda = lambdaAt(ref);
  const { buildEdgeBundle: buildAt } = (await import(join(lambda, "build.ts"))) as typeof import("../lambda/build.js");
  const { file } = await buildAt({ outdir: join(dir, "a"), entry: join(lambda, "aws-entry.ts") });
  return { name: ref, file, config: sealed };
}
const A = await baseline();
const B = { name: zod ? "sealed" : "working tree", file: (await buildEdgeBundle({ outdir: join(dir, "b") })).file, config: sealed };

/** The measured process: require the bundle, one HTTP API v2 event, then its CPU time on stderr. */
const script = (file: string, name: string) => {
  const p = join(dir, `run-${name}.cjs`);
  writeFileSync(
    p,
    `const { httpApi } = require(${JSON.stringify(file)});
(async () => { const r = await httpApi({ rawPath: "/crm", rawQueryString: "", headers: { host: "mcp.example.com", authorization: "Bearer " + process.env.TOKEN, "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_customers", arguments: {} } }), isBase64Encoded: false, requestContext: { http: { method: "POST", sourceIp: "203.0.113.1" } } });
// No upstream in this config: an allowed request ends in 501 after the decision (no network).
if (r.statusCode !== 501) { console.error("status " + r.statusCode); process.exit(1); }
const u = process.cpuUsage(); require("node:fs").writeSync(2, "C " + (u.user + u.system) + "\\n"); })().catch((e) => { console.error(e); process.exit(1); });\n`,
  );
  return p;
};
const sa = script(A.file, "a");
const sb = script(B.file, "b");
const empty = join(dir, "empty.cjs");
writeFileSync(empty, 'const u = process.cpuUsage(); require("node:fs").writeSync(2, "C " + (u.user + u.system) + "\\n");\n');

/** Wall ms of the whole process and its CPU ms (the script's `C` line; NaN for `-e 0`). */
function run(args: string[], cfg: string): { wall: number; cpu: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env: { ...process.env, MCP_EDGE_CONFIG: cfg, TOKEN: token! }, stdio: ["ignore", "ignore", "pipe"] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`cold start run failed: ${r.stderr.toString()}`);
  const m = /^C (\d+)$/m.exec(r.stderr.toString());
  return { wall, cpu: m ? Number(m[1]) / 1000 : Number.NaN };
}

const wa: number[] = [], wb: number[] = [], ca: number[] = [], cb: number[] = [];
for (let i = 0; i < runs; i++) {
  const bare = run(["-e", "0"], "").wall;
  const e = run([empty], "").cpu;
  let a, b;
  if (i % 2 === 0) (a = run([sa], A.config)), (b = run([sb], B.config));
  else (b = run([sb], B.config)), (a = run([sa], A.config));
  wa.push(a.wall - bare);
  wb.push(b.wall - bare);
  ca.push(a.cpu - e);
  cb.push(b.cpu - e);
}
const f = (v: number) => v.toFixed(1);
process.stdout.write(
  `Cold start (require bundle + seal check + first decision + its audit record), median of ${runs} interleaved rounds, node ${process.version}:\n` +
    `| what | ${A.name} | ${B.name} | ${B.name} − ${A.name} (median of paired) |\n| --- | ---: | ---: | ---: |\n` +
    `| wall ms over \`node -e 0\` (paired) | ${f(median(wa))} | ${f(median(wb))} | ${f(median(wb.map((v, i) => v - wa[i]!)))} |\n` +
    `| CPU ms to the first response and its audit record, over an empty script (paired) | ${f(median(ca))} | ${f(median(cb))} | ${f(median(cb.map((v, i) => v - ca[i]!)))} |\n`,
);
rmSync(join(root, ".bench-ab"), { recursive: true, force: true });
