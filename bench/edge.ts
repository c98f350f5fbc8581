/**
 * Edge benchmark (`npm run bench:edge`): per-request cost of the edge's full decision for a
 * `tools/call` (verify + claims + scope decision + chained audit record) against the raw floor
 * (`crypto.verify` with a pre-imported KeyObject) and, on the same tokens in the same run,
 * jose.jwtVerify, aws-jwt-verify and fast-jwt. Also: bundle size and cold start
 * (process start + import + first decision) over bare `node -e 0`. Writes bench/results/edge.md.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { JwtVerifier } from "aws-jwt-verify";
import { createVerifier } from "fast-jwt";
import { importJWK, jwtVerify } from "jose";
import { edgeConfigFor } from "../components/edge-config.js";
import { compile } from "../components/plan/compile.js";
import { build } from "esbuild";
import type * as Core from "../lambda/core/authorize.js";
import { buildEdgeBundle } from "../lambda/build.js";
import crm from "../stacks/crm/mcp-auth.js";

const ISS = "https://idp.example.com/";
const AUD = "https://mcp.example.com/crm";
const TOKENS = 256;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

type Alg = "RS256" | "ES256";
function keyPair(alg: Alg) {
  const kp = alg === "RS256" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = `${alg.toLowerCase()}-1`;
  return { ...kp, kid, jwk: { ...kp.publicKey.export({ format: "jwk" }), kid, alg, use: "sig" } };
}
function tokens(alg: Alg, k: ReturnType<typeof keyPair>, now: number): string[] {
  const out: string[] = [];
  const h = b64({ alg, kid: k.kid, typ: "at+jwt" });
  for (let i = 0; i < TOKENS; i++) {
    const input = `${h}.${b64({ iss: ISS, aud: AUD, sub: `user-${i}`, client_id: "claude-desktop", iat: now - 60, exp: now + 3000, scope: "crm:customers:read crm:deals:read", jti: `j${i}` })}`;
    const sig = sign("sha256", Buffer.from(input), alg === "ES256" ? { key: k.privateKey, dsaEncoding: "ieee-p1363" } : k.privateKey);
    out.push(`${input}.${sig.toString("base64url")}`);
  }
  return out;
}

/**
 * Interleaved measurement: every round runs each candidate for `n` ops back to back, so a burst of
 * load from elsewhere on the machine hits all of them alike. Reports, per candidate, the median ns/op
 * and the median over rounds of (candidate / floor in the same round).
 */
async function measureAll(cands: Array<[string, number, (i: number) => unknown]>): Promise<Array<[string, number, number]>> {
  for (const [, n, fn] of cands) for (let i = 0; i < Math.min(n, 500); i++) await fn(i); // warm-up
  const per: number[][] = cands.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let c = 0; c < cands.length; c++) {
      const [, n, fn] = cands[c]!;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const v = fn(i);
        if (v instanceof Promise) await v;
      }
      per[c]!.push(Number(process.hrtime.bigint() - t0) / n);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return cands.map(([name], c) => [name, med(per[c]!), med(per[c]!.map((v, r) => v / per[0]![r]!))]);
}

/**
 * The core as it ships: bundled and minified with the deploy bundle's esbuild settings (running the
 * TypeScript through tsx would add its keep-names wrappers to every closure and skew the figures).
 */
async function bundledCore() {
  const dir = mkdtempSync(join(tmpdir(), "edge-core-"));
  const outfile = join(dir, "core.mjs");
  await build({
    stdin: {
      contents: `export { Authorizer } from "./authorize.ts"; export { TokenCache } from "./cache.ts"; export { AuditChain } from "./audit.ts"; export { LiteRequest } from "./http.ts"; export { buildRuntime } from "./server.ts";`,
      resolveDir: fileURLToPath(new URL("../lambda/core/", import.meta.url)),
      loader: "ts",
    },
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    logLevel: "warning",
  });
  return (await import(outfile)) as {
    Authorizer: typeof Core.Authorizer;
    TokenCache: typeof import("../lambda/core/cache.js").TokenCache;
    AuditChain: typeof import("../lambda/core/audit.js").AuditChain;
    LiteRequest: typeof import("../lambda/core/http.js").LiteRequest;
    buildRuntime: typeof import("../lambda/core/server.js").buildRuntime;
  };
}
const { Authorizer, AuditChain, LiteRequest, buildRuntime } = await bundledCore();

async function perRequest(alg: Alg) {
  const now = Math.floor(Date.now() / 1000);
  const k = keyPair(alg);
  const toks = tokens(alg, k, now);
  const n = 1000;
  const plan = compile(crm);
  const config = edgeConfigFor(plan, "crm", { issuer: ISS, jwksUri: "https://idp.example.com/jwks", jwks: { keys: [k.jwk as { kty: string }] }, tokenTypes: ["at+jwt"] });
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_customers", arguments: { query: "acme", limit: 10 } } });
  // The request object the AWS adapter builds from a Lambda event (built once per token, outside the timing).
  const reqs = toks.map((t) => new LiteRequest("POST", AUD, [["authorization", `Bearer ${t}`], ["content-type", "application/json"], ["mcp-session-id", "s1"], ["user-agent", "bench"]], body));
  let records = 0;
  const decider = (cacheMax: number) => {
    const rt = buildRuntime(config, { now: Date.now, fetch: globalThis.fetch, secrets: () => undefined, onProblem: () => undefined });
    const a = new Authorizer({ now: Date.now, cache: { max: cacheMax, ttlMs: 60_000 }, audit: new AuditChain(() => void records++), log: () => undefined, paramMode: "hash" });
    return (i: number) =>
      a.decide(rt, reqs[i % TOKENS]!, body, { sourceIp: "203.0.113.1" }).then((d) => {
        if (!d.allow) throw new Error("bench token refused");
      });
  };
  const noCache = decider(0);
  const withCache = decider(4096);
  for (let i = 0; i < TOKENS; i++) await withCache(i); // fill the cache

  // Floor: split, decode the signature, crypto.verify with a pre-imported KeyObject.
  const pub: KeyObject = k.publicKey;
  const floor = (i: number) => {
    const t = toks[i % TOKENS]!;
    const dot = t.lastIndexOf(".");
    const ok = verify("sha256", Buffer.from(t.slice(0, dot)), alg === "ES256" ? { key: pub, dsaEncoding: "ieee-p1363" } : pub, Buffer.from(t.slice(dot + 1), "base64url"));
    if (!ok) throw new Error("floor refused");
  };
  const joseKey = await importJWK(k.jwk as never, alg);
  const jose = (i: number) => jwtVerify(toks[i % TOKENS]!, joseKey, { issuer: ISS, audience: AUD, algorithms: [alg] });
  const aws = JwtVerifier.create({ issuer: ISS, audience: AUD, jwksUri: "https://idp.example.com/jwks" });
  aws.cacheJwks({ keys: [k.jwk as never] });
  const awsV = (i: number) => aws.verifySync(toks[i % TOKENS]!);
  const fast = createVerifier({ key: pub.export({ format: "pem", type: "spki" }).toString(), algorithms: [alg], allowedIss: ISS, allowedAud: AUD, cache: false });
  const fastV = (i: number) => fast(toks[i % TOKENS]!);

  const rows = await measureAll([
    ["raw floor: crypto.verify (pre-imported KeyObject)", n, floor],
    ["edge decision, no cache (verify + claims + scopes + audit)", n, noCache],
    ["edge decision, cache hit", n * 4, withCache],
    ["jose.jwtVerify (verify + claims only)", n, jose],
    ["aws-jwt-verify verifySync (verify + claims only)", n, awsV],
    ["fast-jwt (verify + claims only, cache off)", n, fastV],
  ]);
  void records;
  return rows;
}

function coldStart() {
  const dir = mkdtempSync(join(tmpdir(), "edge-bench-"));
  return buildEdgeBundle({ outdir: dir }).then(({ file, bytes }) => {
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
})().catch((e) => { console.error(e); process.exit(1); });\n`,
    );
    const env = { ...process.env, MCP_EDGE_CONFIG: JSON.stringify(config), TOKEN: token! };
    const time = (args: string[]) => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
      if (r.status !== 0) throw new Error(`cold start run failed: ${r.stderr.toString()}`);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const runs = Number(process.env.BENCH_COLD_RUNS ?? 31);
    const emptyEsm = join(dir, "empty.mjs");
    const emptyCjs = join(dir, "empty.cjs");
    writeFileSync(emptyEsm, "");
    writeFileSync(emptyCjs, "");
    const bare: number[] = [];
    const esm: number[] = [];
    const cjs: number[] = [];
    const edge: number[] = [];
    for (let i = 0; i < runs; i++) {
      bare.push(time(["-e", "0"]));
      esm.push(time([emptyEsm]));
      cjs.push(time([emptyCjs]));
      edge.push(time([script]));
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Runs are interleaved (bare, esm, cjs, edge, bare, …); the paired difference of each round is robust
    // to load that drifts over the run, and the difference of minimums to load spikes.
    const paired = med(edge.map((e, i) => e - bare[i]!));
    return { bytes, bare: med(bare), esm: med(esm), cjs: med(cjs), edge: med(edge), paired, minDiff: Math.min(...edge) - Math.min(...bare) };
  });
}

const results: string[] = [];
const log = (s: string) => {
  results.push(s);
  process.stdout.write(`${s}\n`);
};
log(`# Edge benchmark\n`);
log(`Machine: ${cpus().length} CPU (${cpus()[0]?.model ?? "?"}), node ${process.version}, ${new Date().toISOString().slice(0, 10)}. Median of ${ROUNDS} rounds; ${TOKENS} distinct tokens cycled. Ratios are against the RS256/ES256 floor measured in the same run.\n`);
const floors: Record<string, number> = {};
const goals: string[] = [];
for (const alg of ["RS256", "ES256"] as const) {
  const rows = await perRequest(alg);
  floors[alg] = rows[0]![1];
  const miss = rows[1]![2];
  const hit = rows[2]![2];
  goals.push(`- ${alg}: full decision without cache ${miss.toFixed(2)}× floor (goal ≤ 1.35: ${miss <= 1.35 ? "met" : "NOT met"}); cache hit ${hit.toFixed(2)}× (goal ≤ 0.2: ${hit <= 0.2 ? "met" : "NOT met"}).`);
  log(`## ${alg}\n`);
  log(`| what | µs / request (median) | × floor (median of per-round ratios) |\n| --- | ---: | ---: |`);
  for (const [name, ns, ratio] of rows) log(`| ${name} | ${(ns / 1000).toFixed(2)} | ${ratio.toFixed(2)} |`);
  log("");
}
/** Fixed per-request costs of a decision, measured on their own (ns). */
async function fixedCosts(): Promise<Record<string, number>> {
  const { hash } = await import("node:crypto");
  const audit: Array<{ line: string }> = [];
  const chain = new AuditChain((line) => void audit.push({ line }));
  chain.write({ server: "crm", decision: "allow", status: 200, reason: "ok", user: "user-1", client: "claude-desktop", session: "s1", method: "tools/call", tool: "list_customers", params: { query: "sha256:abcdefghijklmnop", limit: "sha256:abcdefghijklmnop" }, scopes: ["crm:customers:read"], ip: "203.0.113.1", ua: "bench", jti: "j1" }, Date.now());
  const line = audit[0]!.line;
  const record = JSON.parse(line) as unknown;
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_customers", arguments: { query: "acme", limit: 10 } } });
  const token = tokens("RS256", keyPair("RS256"), Math.floor(Date.now() / 1000))[0]!;
  const rows = await measureAll([
    ["audit JSON.stringify", 20000, () => JSON.stringify(record)],
    ["chain SHA-256", 20000, () => hash("sha256", line, "base64url")],
    ["two argument-value hashes", 20000, () => (hash("sha256", "acme", "base64url"), hash("sha256", "10", "base64url"))],
    ["body JSON.parse", 20000, () => JSON.parse(body)],
    // The verified-token cache is keyed by the SHA-256 of the signature segment (lambda/core/cache.ts).
    ["signature SHA-256 (cache key)", 20000, () => hash("sha256", token.slice(token.lastIndexOf(".") + 1), "base64url")],
  ]);
  return Object.fromEntries(rows.map(([k, ns]) => [k, ns]));
}
const fixed = await fixedCosts();
const fixedSum = Object.values(fixed).reduce((a, b) => a + b, 0);
const cold = await coldStart();
log(`## Bundle and cold start\n`);
log(`| what | value | goal |\n| --- | ---: | ---: |`);
log(`| bundle (dist/edge/index.cjs, minified CommonJS) | ${(cold.bytes / 1024).toFixed(1)} KB | ≤ 60 KB |`);
log(`| bare \`node -e 0\` (median) | ${cold.bare.toFixed(1)} ms | |`);
log(`| bare \`node empty.mjs\` (ESM loader; median) | ${cold.esm.toFixed(1)} ms | |`);
log(`| bare \`node empty.cjs\` (CommonJS loader, as Lambda loads index.cjs; median) | ${cold.cjs.toFixed(1)} ms | |`);
log(`| start + require bundle + config parse (zod) + first decision (HTTP API v2 event), JWKS snapshot (median) | ${cold.edge.toFixed(1)} ms | |`);
log(`| difference (median of paired runs) | ${cold.paired.toFixed(1)} ms | ≤ 12 ms |`);
log(`| difference of the fastest runs | ${cold.minDiff.toFixed(1)} ms | |`);
goals.push(`- Bundle ${(cold.bytes / 1024).toFixed(1)} KB (goal ≤ 60 KB: ${cold.bytes <= 60 * 1024 ? "met" : "NOT met"}); cold start +${cold.paired.toFixed(1)} ms over \`node -e 0\` (median of paired runs; goal ≤ 12 ms: ${cold.paired <= 12 ? "met" : "NOT met"}).`);
log(`\n## Goals (this run)\n\n${goals.join("\n")}`);
log(`
## Notes

- "Edge decision" is the shipped core (bundled and minified like the deploy bundle) deciding a
  \`tools/call\` from a \`LiteRequest\` (what the AWS adapter builds from a Lambda event): origin, token
  transport, JWS verification, claims, per-request token age, JSON-RPC body parse, scope decision with
  implications, and one chained audit record (JSON line + SHA-256 link, two hashed argument values).
  Peers do verification and claims only. The floor is \`crypto.verify\` on the signing input.
- Fixed per-request costs that no verification shortcut removes, measured on their own in this run:
  ${Object.entries(fixed).map(([k, ns]) => `${k} ${(ns / 1000).toFixed(2)} µs`).join(", ")}; together
  ${(fixedSum / 1000).toFixed(2)} µs = ${(fixedSum / floors.RS256!).toFixed(2)}× of the RS256 floor. The cache-hit path is
  little more than these, so its ratio is bounded by them while every decision writes a chained, hashed
  audit record; with the slower ES256 floor the same absolute costs are a small fraction.
- Cold start: process start, \`require\` of the CommonJS bundle \`index.cjs\` (as the Lambda nodejs
  runtime loads it; node:crypto through \`process.getBuiltinModule\`, zod/mini schema construction and one
  jitless parse of the config), one HTTP API v2 event decided with a JWKS snapshot (no network; Fetch API
  never loaded; the decision loads no further built-in module). Shipping CommonJS instead of ESM removed
  the ESM loader (\`node empty.mjs\` over \`node empty.cjs\`, about 3 ms) and esbuild's interop helpers.
  Measured separately (2026-11-23, hrtime marks): compiling the 59 KB bundle about 2 ms, loading
  node:crypto (which loads node:stream) 2.0–2.4 ms, zod/mini's own module init about 1 ms plus our schema
  construction about 1–1.5 ms, the first (jitless) parse of the CRM config about 1.5 ms (a second takes
  0.3 ms: the first is V8 compiling zod's parser), and the first decision about 3 ms (first-call
  compilation of the verification, claims, scope and audit paths; one RSA verification is 0.2–0.4 ms).
- Evaluated for issue 3 and kept: duplicate-member check by member count (text scan from quote to quote
  against the parsed value's property count; same answers as the character scanner, differential test in
  test/edge/fast-paths.test.ts), cache key over the signature segment plus a byte-exact signing-input
  check, one base64url shape scan instead of two per fresh token, shared zod schema instances (46 bytes
  of bundle; cold start unchanged within noise). Evaluated and dropped: a hand-built audit JSON line
  instead of JSON.stringify (about 0.8 µs slower per decision: the concatenated line costs more to hash
  than JSON.stringify's flat string saves).
- Node binary: \`${process.execPath}\` (${process.version}). The machine is shared with other work:
  figures move by ±20 % between runs; ratios are medians of per-round ratios measured back to back.`);
try {
  log(`\nGit: ${execFileSync("git", ["rev-parse", "--short", "HEAD"]).toString().trim()} (working tree may differ).`);
} catch {
  /* not a git checkout */
}
writeFileSync(new URL("./results/edge.md", import.meta.url), `${results.join("\n")}\n`);
