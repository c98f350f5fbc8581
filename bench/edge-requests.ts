/**
 * Per-request part of the edge benchmark (see bench/edge.ts, which runs it and writes the results):
 * the edge's full decision for a `tools/call` against the raw `crypto.verify` floor and peers, on the
 * same tokens in the same run, plus the fixed per-request costs measured on their own.
 *
 * Run directly with `--json` (what bench/edge.ts does under a second Node version) it prints the rows
 * of both algorithms as JSON on stdout.
 */
import { createHmac, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { JwtVerifier } from "aws-jwt-verify";
import { build } from "esbuild";
import { createVerifier } from "fast-jwt";
import { importJWK, jwtVerify } from "jose";
import { edgeConfigFor } from "../components/edge-config.js";
import { compile } from "../components/plan/compile.js";
import type * as Core from "../lambda/core/authorize.js";
import crm from "../stacks/crm/mcp-auth.js";
import { median } from "./support.js";

export const ISS = "https://idp.example.com/";
export const AUD = "https://mcp.example.com/crm";
export const TOKENS = 256;
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

export type Alg = "RS256" | "ES256";
export function keyPair(alg: Alg) {
  const kp = alg === "RS256" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = `${alg.toLowerCase()}-1`;
  return { ...kp, kid, jwk: { ...kp.publicKey.export({ format: "jwk" }), kid, alg, use: "sig" } };
}
export function tokens(alg: Alg, k: ReturnType<typeof keyPair>, now: number): string[] {
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
export async function measureAll(cands: Array<[string, number, (i: number) => unknown]>): Promise<Array<[string, number, number]>> {
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
  return cands.map(([name], c) => [name, median(per[c]!), median(per[c]!.map((v, r) => v / per[0]![r]!))]);
}

/** The core's exports the benchmarks use (bench/edge-ab.ts bundles another git ref's core the same way). */
export type BundledCore = {
  Authorizer: typeof Core.Authorizer;
  TokenCache: typeof import("../lambda/core/cache.js").TokenCache;
  AuditChain: typeof import("../lambda/core/audit.js").AuditChain;
  ParamHasher: typeof import("../lambda/core/audit.js").ParamHasher;
  keySigner: typeof import("../lambda/core/checkpoint.js").keySigner;
  LiteRequest: typeof import("../lambda/core/http.js").LiteRequest;
  buildRuntime: typeof import("../lambda/core/server.js").buildRuntime;
};

/**
 * The core of `<lambdaDir>/core` as it ships: bundled and minified with the deploy bundle's esbuild
 * settings (running the TypeScript through tsx would add its keep-names wrappers to every closure and
 * skew the figures), written under `outDir` and imported.
 */
export async function bundleCore(lambdaDir = fileURLToPath(new URL("../lambda/", import.meta.url)), outDir = mkdtempSync(join(tmpdir(), "edge-core-"))): Promise<BundledCore> {
  const outfile = join(outDir, "core.mjs");
  await build({
    stdin: {
      contents: `export { Authorizer } from "./authorize.ts"; export { TokenCache } from "./cache.ts"; export { AuditChain, ParamHasher } from "./audit.ts"; export { keySigner } from "./checkpoint.ts"; export { LiteRequest } from "./http.ts"; export { buildRuntime } from "./server.ts";`,
      resolveDir: join(lambdaDir, "core"),
      loader: "ts",
    },
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    logLevel: "warning",
    // A core extracted from another git ref resolves its dependencies from this checkout.
    nodePaths: [fileURLToPath(new URL("../node_modules", import.meta.url))],
  });
  return (await import(outfile)) as BundledCore;
}
/**
 * `lambda/` at git `ref`, extracted under `.bench-ab/` in the package root (so that its imports of
 * node_modules resolve); for the A/B benchmarks, which remove `.bench-ab/` when done.
 */
export function lambdaAt(ref: string): string {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const dir = join(root, ".bench-ab", ref.replace(/[^A-Za-z0-9._-]/g, "_"));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync("git", ["archive", "--format=tar", ref, "lambda"], { cwd: root, maxBuffer: 1 << 26 });
  execFileSync("tar", ["-x", "-C", dir], { input: tar });
  return join(dir, "lambda");
}
let core: Promise<BundledCore> | undefined;
const bundledCore = () => (core ??= bundleCore());

/**
 * Rows `[name, ns per request, ratio to the floor, CPU ns per request, CPU ratio]`; the first row is
 * the floor. For the edge rows the wall figure is the time to the decision (the request parsed,
 * verified, authorized, the response decided; the audit record queued), and the CPU figure is the
 * process CPU time of the decisions plus the after-response work they leave (`AuditChain.drain`:
 * serialising, chaining, writing each record line to /dev/null with `fs.writeSync` as the edge writes
 * to stdout, HMAC of the argument values is already in the decision, and an ECDSA P-256 checkpoint
 * signature every 100 records). Peers are measured as before (wall time, verification and claims).
 */
export type Row = [name: string, ns: number, ratio: number, cpuNs?: number, cpuRatio?: number, decisionCpuNs?: number, decisionCpuRatio?: number];
export async function perRequest(alg: Alg): Promise<Row[]> {
  const now = Math.floor(Date.now() / 1000);
  const k = keyPair(alg);
  const toks = tokens(alg, k, now);
  const { Authorizer, AuditChain, ParamHasher, keySigner, LiteRequest, buildRuntime } = await bundledCore();
  const n = 1000;
  const plan = compile(crm);
  const config = edgeConfigFor(plan, "crm", { issuer: ISS, jwksUri: "https://idp.example.com/jwks", jwks: { keys: [k.jwk as { kty: string }] }, tokenTypes: ["at+jwt"] });
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_customers", arguments: { query: "acme", limit: 10 } } });
  // The request object the AWS adapter builds from a Lambda event (built once per token, outside the timing).
  const reqs = toks.map((t) => new LiteRequest("POST", AUD, [["authorization", `Bearer ${t}`], ["content-type", "application/json"], ["mcp-session-id", "s1"], ["user-agent", "bench"]], body));
  const devNull = openSync("/dev/null", "w");
  const cpKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const checkpoints: string[] = [];
  const decider = (cacheMax: number) => {
    const rt = buildRuntime(config, { now: Date.now, fetch: globalThis.fetch, secrets: () => undefined, onProblem: () => undefined });
    // As the gateway Lambda entry runs it: records deferred past the response, keyed argument
    // hashes, signed checkpoints every 100 records, and the edge's default sink (the lines of one
    // drain in one synchronous write, here to /dev/null where the edge writes to stdout).
    const chain = new AuditChain({ text: (lines) => void writeSync(devNull, lines) }, {
      defer: true,
      checkpoints: { signer: keySigner(cpKey), sink: (line) => void (checkpoints.length > 64 ? (checkpoints.length = 0) : checkpoints.push(line)), every: 100 },
    });
    const a = new Authorizer({ now: Date.now, cache: { max: cacheMax, ttlMs: 60_000 }, audit: chain, log: () => undefined, paramMode: new ParamHasher(randomBytes(32), { deferred: true }) });
    const run = (i: number) =>
      a.decide(rt, reqs[i % TOKENS]!, body, { sourceIp: "203.0.113.1" }).then((d) => {
        if (!d.allow) throw new Error("bench token refused");
      });
    return { run, after: () => chain.drain() };
  };
  const noCache = decider(0);
  const withCache = decider(4096);
  for (let i = 0; i < TOKENS; i++) await withCache.run(i); // fill the cache
  await withCache.after();

  // Floor: split, decode the signature, crypto.verify with a pre-imported KeyObject.
  const pub: KeyObject = k.publicKey;
  const floor = (i: number) => {
    const t = toks[i % TOKENS]!;
    const dot = t.lastIndexOf(".");
    const ok = verify("sha256", Buffer.from(t.slice(0, dot)), alg === "ES256" ? { key: pub, dsaEncoding: "ieee-p1363" } : pub, Buffer.from(t.slice(dot + 1), "base64url"));
    if (!ok) throw new Error("floor refused");
  };
  const split = await measureSplit([
    ["raw floor: crypto.verify (pre-imported KeyObject)", n, floor, undefined],
    ["edge, fresh token: decision (wall) / total CPU incl. audit after the response", n, noCache.run, noCache.after],
    ["edge, cache hit: decision (wall) / total CPU incl. audit after the response", n * 4, withCache.run, withCache.after],
    // On Lambda each invocation is one request: its after-response hook drains that one record
    // (one write per record, the drain's own overhead per record).
    ["edge, cache hit, audit drained after every request (one request per Lambda invocation)", n * 4, withCache.run, withCache.after, 1],
  ]);
  const joseKey = await importJWK(k.jwk as never, alg);
  const jose = (i: number) => jwtVerify(toks[i % TOKENS]!, joseKey, { issuer: ISS, audience: AUD, algorithms: [alg] });
  const aws = JwtVerifier.create({ issuer: ISS, audience: AUD, jwksUri: "https://idp.example.com/jwks" });
  aws.cacheJwks({ keys: [k.jwk as never] });
  const awsV = (i: number) => aws.verifySync(toks[i % TOKENS]!);
  const fast = createVerifier({ key: pub.export({ format: "pem", type: "spki" }).toString(), algorithms: [alg], allowedIss: ISS, allowedAud: AUD, cache: false });
  const fastV = (i: number) => fast(toks[i % TOKENS]!);
  const peers = await measureAll([
    ["raw floor: crypto.verify (pre-imported KeyObject)", n, floor],
    ["jose.jwtVerify (verify + claims only)", n, jose],
    ["aws-jwt-verify verifySync (verify + claims only)", n, awsV],
    ["fast-jwt (verify + claims only, cache off)", n, fastV],
  ]);
  return [...split, ...peers.slice(1)];
}

/** Sub-batch of decisions between after-response drains (below the audit queue's 256 bound). */
const BATCH = 128;

/**
 * Like `measureAll`, for candidates with after-response work: per round, each candidate runs `n`
 * ops in batches of {@link BATCH}; wall time counts the ops only, CPU time (`process.cpuUsage`,
 * user + system) the ops and the `after` work. Ratios are medians of per-round ratios to the first
 * candidate (the floor), wall to wall and CPU to CPU.
 */
async function measureSplit(cands: Array<[string, number, (i: number) => unknown, (() => Promise<void>) | undefined, number?]>): Promise<Row[]> {
  for (const [, n, fn, after] of cands) {
    for (let i = 0; i < Math.min(n, 500); i++) await fn(i);
    await after?.();
  }
  const wall: number[][] = cands.map(() => []);
  const cpu: number[][] = cands.map(() => []);
  const dcpu: number[][] = cands.map(() => []);
  const us = (u: NodeJS.CpuUsage) => u.user + u.system;
  for (let r = 0; r < ROUNDS; r++) {
    for (let c = 0; c < cands.length; c++) {
      const [, n, fn, after, batch = BATCH] = cands[c]!;
      let ns = 0;
      let decUs = 0;
      const c0 = process.cpuUsage();
      // Batches of one: no CPU reading per batch (a getrusage call costs about as much as the
      // work measured), so only the total CPU time and the wall time of the decisions.
      const perBatchCpu = batch > 1;
      for (let done = 0; done < n; done += batch) {
        const b0 = perBatchCpu ? process.cpuUsage() : undefined;
        const t0 = process.hrtime.bigint();
        for (let i = done; i < Math.min(n, done + batch); i++) {
          const v = fn(i);
          if (v instanceof Promise) await v;
        }
        ns += Number(process.hrtime.bigint() - t0);
        if (b0) decUs += us(process.cpuUsage(b0));
        if (after) await after();
      }
      const cu = process.cpuUsage(c0);
      wall[c]!.push(ns / n);
      cpu[c]!.push((us(cu) * 1000) / n);
      dcpu[c]!.push(perBatchCpu ? (decUs * 1000) / n : Number.NaN);
    }
  }
  const ratio = (xs: number[][], c: number) => median(xs[c]!.map((v, r) => v / xs[0]![r]!));
  const num = (v: number) => (Number.isNaN(v) ? undefined : v);
  return cands.map(([name], c) => [name, median(wall[c]!), ratio(wall, c), median(cpu[c]!), ratio(cpu, c), num(median(dcpu[c]!)), num(ratio(dcpu, c))]);
}

/** Fixed per-request costs of a decision, measured on their own (ns). */
export async function fixedCosts(): Promise<Record<string, number>> {
  const { hash } = await import("node:crypto");
  const { AuditChain, ParamHasher } = await bundledCore();
  const audit: Array<{ line: string }> = [];
  const chain = new AuditChain((line) => void audit.push({ line }));
  chain.write({ server: "crm", decision: "allow", status: 200, reason: "ok", user: "user-1", client: "claude-desktop", session: "s1", method: "tools/call", tool: "list_customers", params: { query: "hmac:abcdefghijklmnopqrstuv", limit: "hmac:abcdefghijklmnopqrstuv" }, scopes: ["crm:customers:read"], ip: "203.0.113.1", ua: "bench", jti: "j1" }, Date.now());
  const line = audit[0]!.line;
  const record = JSON.parse(line) as unknown;
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_customers", arguments: { query: "acme", limit: 10 } } });
  const token = tokens("RS256", keyPair("RS256"), Math.floor(Date.now() / 1000))[0]!;
  const hmacKey = randomBytes(32);
  const hasher = new ParamHasher(hmacKey);
  const devNull = openSync("/dev/null", "w");
  const rows = await measureAll([
    ["audit JSON.stringify", 20000, () => JSON.stringify(record)],
    ["chain SHA-256", 20000, () => hash("sha256", line, "base64url")],
    // As the edge computes them (ParamHasher: two one-shot SHA-256 over padded-key buffers each);
    // `createHmac` objects took about 0.5 µs more per value.
    ["two argument-value HMACs", 20000, () => (hasher.digest("acme"), hasher.digest("10"))],
    ["two argument-value HMACs with createHmac (for comparison, not counted)", 20000, () => (createHmac("sha256", hmacKey).update("acme").digest("base64url"), createHmac("sha256", hmacKey).update("10").digest("base64url"))],
    // One write(2) per audit line, as when every drain holds one record (Lambda: one request per invocation).
    ["fs.writeSync of one audit line to /dev/null (not counted)", 20000, () => writeSync(devNull, `${line}\n`)],
    ["body JSON.parse", 20000, () => JSON.parse(body)],
    // The verified-token cache is keyed by the SHA-256 of the signature segment (lambda/core/cache.ts).
    ["signature SHA-256 (cache key)", 20000, () => hash("sha256", token.slice(token.lastIndexOf(".") + 1), "base64url")],
  ]);
  return Object.fromEntries(rows.map(([k, ns]) => [k, ns]));
}

/** `--json`: both algorithms' rows and the fixed costs, for a run under another Node version. */
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv.includes("--json")) {
  const out: Record<string, unknown> = { node: process.version };
  for (const alg of ["RS256", "ES256"] as const) out[alg] = await perRequest(alg);
  out.fixed = await fixedCosts();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
