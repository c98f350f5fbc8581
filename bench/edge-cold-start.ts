/**
 * Cold-start part of the edge benchmark (bench/edge.ts runs it and writes the results; run alone with
 * `npx tsx bench/edge-cold-start.ts` it prints the same table): a process that requires the gateway
 * bundle as the Lambda nodejs runtime does, checks the config seal, decides one HTTP API v2 event
 * (RS256, JWKS snapshot) and writes its audit record, against bare `node -e 0`, an empty CommonJS
 * script, and a stand-in of the Lambda runtime (node:http loaded first); interleaved runs, paired
 * medians; plus where its CPU time goes (a bench-only build with `process.cpuUsage()` marks).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { edgeConfigFor } from "../components/edge-config.js";
import { compile } from "../components/plan/compile.js";
import { buildEdgeBundle } from "../lambda/build.js";
import { sealEdgeConfigs } from "../lambda/seal-config.js";
import crm from "../stacks/crm/mcp-auth.js";
import { ISS, keyPair, tokens } from "./edge-requests.js";
import { median } from "./support.js";

/** Cold start of the gateway bundle under `node` (a Node binary), against bare `node -e 0` of the same binary. */
export function coldStart(node: string = process.execPath) {
  const dir = mkdtempSync(join(tmpdir(), "edge-bench-"));
  return buildEdgeBundle({ outdir: dir }).then(async ({ file, bytes }) => {
    const k = keyPair("RS256");
    const now = Math.floor(Date.now() / 1000);
    const [token] = tokens("RS256", k, now);
    const plan = compile(crm);
    const config = { ...edgeConfigFor(plan, "crm", { issuer: ISS, jwksUri: "https://idp.example.com/jwks", jwks: { keys: [k.jwk as { kty: string }] }, tokenTypes: ["at+jwt"] }), upstream: undefined };
    const script = join(dir, "first-decision.cjs");
    writeFileSync(
      script,
      // The Lambda path: require the CommonJS bundle (as the nodejs runtime loads index.cjs; config
      // parsed once), then one HTTP API v2 event through the handler.
      `const { httpApi } = require(${JSON.stringify(file)});
(async () => {
const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_customers", arguments: {} } });
const r = await httpApi({ rawPath: "/crm", rawQueryString: "", headers: { host: "mcp.example.com", authorization: "Bearer " + process.env.TOKEN, "content-type": "application/json" }, body, isBase64Encoded: false, requestContext: { http: { method: "POST", sourceIp: "203.0.113.1" } } });
// No upstream in this config: an allowed request ends in 501 after the decision (no network).
if (r.statusCode !== 501) { console.error("unexpected status " + r.statusCode); process.exit(1); }
// Time from process start (performance.timeOrigin) to the decision, for the in-process figure.
// fs.writeSync: touching process.stderr would set up a stream (milliseconds) and skew the wall time.
require("node:fs").writeSync(2, "T " + performance.now() + "\\nC " + ((u) => u.user + u.system)(process.cpuUsage()) + "\\n");
})().catch((e) => { console.error(e); process.exit(1); });\n`,
    );
    // Sealed as McpEdge ships it: validated here (deploy time), only the seal is checked at cold start.
    const env = { ...process.env, MCP_EDGE_CONFIG: JSON.stringify(sealEdgeConfigs([config])), TOKEN: token! };
    /** Wall time of the whole process, ms; `inner` records the script's own `T <performance.now()>` line. */
    const inner: Record<string, number[]> = { cjs: [], edge: [], rt: [], rtEdge: [] };
    /** CPU time (user + system, ms) of the process up to the same point: robust to a busy machine. */
    const innerCpu: Record<string, number[]> = { cjs: [], edge: [], rt: [], rtEdge: [] };
    const time = (args: string[], innerOf?: "cjs" | "edge" | "rt" | "rtEdge") => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(node, args, { env, stdio: ["ignore", "ignore", "pipe"] });
      if (r.status !== 0) throw new Error(`cold start run failed: ${r.stderr.toString()}`);
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      if (innerOf) inner[innerOf]!.push(Number(/^T ([\d.]+)$/m.exec(r.stderr.toString())?.[1] ?? Number.NaN));
      if (innerOf) innerCpu[innerOf]!.push(Number(/^C (\d+)$/m.exec(r.stderr.toString())?.[1] ?? Number.NaN) / 1000);
      return wall;
    };
    // Where the CPU time of a cold start goes: the same entry with CPU-time marks between its steps
    // (bench-only build; node:crypto loaded first so that its cost is its own figure).
    const phasesEntry = join(dir, "entry-phases.ts");
    const lambdaDir = fileURLToPath(new URL("../lambda/", import.meta.url));
    writeFileSync(
      phasesEntry,
      `import { functionUrlHandler, httpApiHandler } from ${JSON.stringify(join(lambdaDir, "adapters/aws.ts"))};
import { edgeFromEnvironment } from ${JSON.stringify(join(lambdaDir, "aws/edge-from-env.ts"))};
import { entryInputs } from ${JSON.stringify(join(lambdaDir, "entry-config.ts"))};
import { nodeForwarder } from ${JSON.stringify(join(lambdaDir, "core/node-forward.ts"))};
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const m0 = cpu();
const inputs = entryInputs({ afterResponse: true });
const m1 = cpu();
export const edge = edgeFromEnvironment(inputs, process.env, nodeForwarder);
const m2 = cpu();
export const handler = functionUrlHandler(edge);
export const httpApi = httpApiHandler(edge);
globalThis.__phases = [m0, m1, m2, cpu()];
`,
    );
    const phasesFile = (await buildEdgeBundle({ outdir: join(dir, "phases"), entry: phasesEntry })).file;
    const phasesScript = join(dir, "phases.cjs");
    writeFileSync(
      phasesScript,
      `const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
// "rt": node:http (and the node:stream modules it loads) first, as the Lambda runtime has them before the handler.
if (process.argv[2] === "rt") new (require("node:http").Agent)({ keepAlive: true, maxSockets: 1 });
const s0 = cpu();
process.getBuiltinModule("node:crypto");
const s1 = cpu();
const { httpApi } = require(${JSON.stringify(phasesFile)});
const s2 = cpu();
(async () => {
const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_customers", arguments: {} } });
const r = await httpApi({ rawPath: "/crm", rawQueryString: "", headers: { host: "mcp.example.com", authorization: "Bearer " + process.env.TOKEN, "content-type": "application/json" }, body, isBase64Encoded: false, requestContext: { http: { method: "POST", sourceIp: "203.0.113.1" } } });
if (r.statusCode !== 501) { console.error("unexpected status " + r.statusCode); process.exit(1); }
const s3 = cpu();
const [m0, m1, m2, m3] = globalThis.__phases;
require("node:fs").writeSync(2, "P " + [s1 - s0, m0 - s1, m1 - m0, m2 - m1, s2 - m2, s3 - s2].map((v) => v.toFixed(3)).join(" ") + "\\n");
})().catch((e) => { console.error(e); process.exit(1); });\n`,
    );
    const phases: number[][] = [];
    /** The same steps with node:http loaded first, as under the Lambda runtime. */
    const rtPhases: number[][] = [];
    const runs = Number(process.env.BENCH_COLD_RUNS ?? 31);
    const emptyEsm = join(dir, "empty.mjs");
    const emptyCjs = join(dir, "empty.cjs");
    writeFileSync(emptyEsm, "");
    writeFileSync(emptyCjs, 'require("node:fs").writeSync(2, "T " + performance.now() + "\\nC " + ((u) => u.user + u.system)(process.cpuUsage()) + "\\n");\n');
    // Like for like with Lambda: the nodejs runtime has loaded modules of its own before it requires
    // the handler, and `node -e 0` has not. Its runtime interface client
    // (aws/aws-lambda-nodejs-runtime-interface-client: src/index.mjs, RAPIDClient.js, ResponseStream.js,
    // LogPatch.js, UserFunction.js) starts as an ES module, requires node:http and creates an
    // http.Agent, and requires node:net, node:util, node:fs and node:path; node:http loads node:stream,
    // which node:crypto would otherwise load on the edge's account. This stand-in does the same, then
    // requires the handler script when one is named (the baseline and the measured process differ
    // only by the handler).
    const runtime = join(dir, "runtime.mjs");
    writeFileSync(
      runtime,
      `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const http = require("node:http");
new http.Agent({ keepAlive: true, maxSockets: 1 });
require("node:net"); require("node:util"); require("node:path");
const fs = require("node:fs");
if (process.argv[2]) require(process.argv[2]);
else fs.writeSync(2, "T " + performance.now() + "\\nC " + ((u) => u.user + u.system)(process.cpuUsage()) + "\\n");
`,
    );
    const bare: number[] = [];
    const esm: number[] = [];
    const cjs: number[] = [];
    const edge: number[] = [];
    const rt: number[] = [];
    const rtEdge: number[] = [];
    for (let i = 0; i < runs; i++) {
      bare.push(time(["-e", "0"]));
      esm.push(time([emptyEsm]));
      cjs.push(time([emptyCjs], "cjs"));
      edge.push(time([script], "edge"));
      rt.push(time([runtime], "rt"));
      rtEdge.push(time([runtime, script], "rtEdge"));
      const p = spawnSync(node, [phasesScript], { env, stdio: ["ignore", "ignore", "pipe"] });
      const m = /^P (.+)$/m.exec(p.stderr.toString());
      if (p.status !== 0 || !m) throw new Error(`cold start phases run failed: ${p.stderr.toString()}`);
      phases.push(m[1]!.split(" ").map(Number));
      const q = spawnSync(node, [phasesScript, "rt"], { env, stdio: ["ignore", "ignore", "pipe"] });
      const mq = /^P (.+)$/m.exec(q.stderr.toString());
      if (q.status !== 0 || !mq) throw new Error(`cold start phases run failed: ${q.stderr.toString()}`);
      rtPhases.push(mq[1]!.split(" ").map(Number));
    }
    // Runs are interleaved (bare, esm, cjs, edge, bare, …); the paired difference of each round is robust
    // to load that drifts over the run, and the difference of minimums to load spikes.
    const paired = median(edge.map((e, i) => e - bare[i]!));
    // In-process: process start to the decision's end, over the same for an empty CommonJS script
    // (no process exit in either; Lambda never exits on the request path).
    const innerPaired = median(inner.edge!.map((e, i) => e - inner.cjs![i]!));
    const cpuPaired = median(innerCpu.edge!.map((e, i) => e - innerCpu.cjs![i]!));
    const phaseMedians = phases[0]!.map((_, i) => median(phases.map((p) => p[i]!)));
    const rtPhaseMedians = rtPhases[0]!.map((_, i) => median(rtPhases.map((p) => p[i]!)));
    // Over the Lambda runtime stand-in: wall time of the whole process, in-process time and CPU time.
    const rtPaired = median(rtEdge.map((e, i) => e - rt[i]!));
    const rtInnerPaired = median(inner.rtEdge!.map((e, i) => e - inner.rt![i]!));
    const rtCpuPaired = median(innerCpu.rtEdge!.map((e, i) => e - innerCpu.rt![i]!));
    return { bytes, bare: median(bare), esm: median(esm), cjs: median(cjs), edge: median(edge), paired, minDiff: Math.min(...edge) - Math.min(...bare), innerPaired, cpuPaired, phaseMedians, rtPhaseMedians, phaseRuns: phases.length, rt: median(rt), rtEdge: median(rtEdge), rtPaired, rtInnerPaired, rtCpuPaired };
  });
}

/** The cold-start figures as rows of bench/results/edge.md (bundle, cold start, CPU phase table). */
export function coldStartRows(cold: Awaited<ReturnType<typeof coldStart>>): string[] {
  const rows: string[] = [];
  const log = (s: string) => void rows.push(s);
  log(`## Bundle and cold start\n`);
  log(`| what | value | goal |\n| --- | ---: | ---: |`);
  log(`| bundle (dist/edge/index.cjs, minified CommonJS) | ${(cold.bytes / 1024).toFixed(1)} KB | ≤ 60 KB |`);
  log(`| bare \`node -e 0\` (median) | ${cold.bare.toFixed(1)} ms | |`);
  log(`| bare \`node empty.mjs\` (ESM loader; median) | ${cold.esm.toFixed(1)} ms | |`);
  log(`| bare \`node empty.cjs\` (CommonJS loader, as Lambda loads index.cjs; median) | ${cold.cjs.toFixed(1)} ms | |`);
  log(`| start + require bundle + config seal check + first decision (HTTP API v2 event) + its audit record, JWKS snapshot (median) | ${cold.edge.toFixed(1)} ms | |`);
  log(`| difference (median of paired runs) | ${cold.paired.toFixed(1)} ms | ≤ 12 ms |`);
  log(`| difference of the fastest runs | ${cold.minDiff.toFixed(1)} ms | |`);
  log(`| in-process: start to first decision over an empty script's start (\`performance.now()\`, no exit; median of paired runs) | ${cold.innerPaired.toFixed(1)} ms | |`);
  log(`| CPU time (user + system) of the process to the first decision, over an empty script's (median of paired runs) | ${cold.cpuPaired.toFixed(1)} ms | |`);
  log(`| Lambda runtime stand-in \`node runtime.mjs\` (ES module; node:http with an Agent, node:net, node:util, node:fs, node:path, as the runtime loads them before the handler; median) | ${cold.rt.toFixed(1)} ms | |`);
  log(`| the stand-in, then the same handler script: require bundle + seal check + first decision + its audit record (median) | ${cold.rtEdge.toFixed(1)} ms | |`);
  log(`| difference over the runtime stand-in (median of paired runs): what the handler adds to a Lambda cold start | ${cold.rtPaired.toFixed(1)} ms | ≤ 12 ms |`);
  log(`| the same, in-process (\`performance.now()\`, no exit) / CPU time (median of paired runs) | ${cold.rtInnerPaired.toFixed(1)} ms / ${cold.rtCpuPaired.toFixed(1)} ms | |`);
  const phaseNames = [
    "load node:crypto (and the node:stream modules it loads)",
    "compile the bundle and run its module bodies",
    "read the config, check its seal (SHA-256), read the audit/assertion settings",
    "createEdge: server runtimes (JWKS snapshot keys imported), audit chain, authorizer",
    "adapters",
    "first request: event to LiteRequest, decision (RS256 verify), 501 response, its audit record written (functions compiled on first use included)",
  ];
  log(`\nWhere the CPU time of the cold start goes (a bench-only build of the same entry with \`process.cpuUsage()\` marks between its steps; median of ${cold.phaseRuns} runs; sums to about the CPU row above, process start and exit excluded):\n`);
  log(`| step | CPU ms | CPU ms, node:http loaded first (as under the Lambda runtime) |\n| --- | ---: | ---: |`);
  cold.phaseMedians.forEach((v, i) => log(`| ${phaseNames[i]} | ${v.toFixed(2)} | ${cold.rtPhaseMedians[i]!.toFixed(2)} |`));
  log(`| total | ${cold.phaseMedians.reduce((a, b) => a + b, 0).toFixed(2)} | ${cold.rtPhaseMedians.reduce((a, b) => a + b, 0).toFixed(2)} |`);
  return rows;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const row of coldStartRows(await coldStart())) process.stdout.write(`${row}\n`);
}
