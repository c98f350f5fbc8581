/**
 * Gateway benchmark (`npm run bench:gateway`): on loopback, in one run, the upstream called
 * directly, a plain keep-alive node:http proxy (the floor of one hop) and the edge in gateway mode
 * (`startLocalEdge`, valid token, so every decision is a verified-token cache hit), signing each
 * identity assertion on its own (`upstreamAssertion: "signed"`, the default) and in batches
 * (`"batched"`: one signature per event-loop turn), at 50 and 200 connections, for a small JSON response and an SSE stream of 20 events; the edge's peak RSS; a
 * soak at 200 connections; the assertion's signing cost per algorithm; and the Lambda path (the AWS
 * streaming adapter under an in-process Function URL invocation loop) against the upstream direct.
 * Every serving process first serves `GATEWAY_WARMUP_SECONDS` (default 10) of load at 50
 * connections, JSON and SSE alternating by the second, as a long-lived gateway is warm: a fresh
 * process runs its request path in V8's lower tiers for seconds while the optimising compiler works
 * through the hot functions on background threads (sharing the cores with the load); the req/s of
 * each warm-up second is reported. Writes bench/results/gateway.md. Bounded: `GATEWAY_SECONDS` per load run (default 5),
 * `GATEWAY_ROUNDS` rounds per path of each saturated measurement, the paths alternating (default 2),
 * `GATEWAY_SOAK_SECONDS` (default 60), `GATEWAY_INVOCATIONS` for the Lambda loop (default 2000).
 */
import type { ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg } from "node:os";
import { Writable } from "node:stream";
import { functionUrlHandler, type AwsLambdaGlobal, type V2Event } from "../lambda/adapters/aws.js";
import { assertionClaims, createAssertionSigner } from "../lambda/core/assertion.js";
import { createEdge } from "../lambda/core/edge.js";
import { call, crmConfig, mint, NOW_MS, rsaKey } from "../test/edge/helpers.js";
import { percentile, postRequest, runLoad, type LoadResult } from "./gateway-load.js";
import { BATCHED, report, writeReport, type EqualLoad, type FirstEventDiag, type LambdaFigures, type MemUsage, type Row, type Soak, type Warmup } from "./gateway-report.js";
import { askChild, startRole } from "./gateway-spawn.js";
import { median } from "./support.js";

const SECONDS = Number(process.env.GATEWAY_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.GATEWAY_WARMUP_SECONDS ?? 10);
const SOAK_SECONDS = Number(process.env.GATEWAY_SOAK_SECONDS ?? 60);
/** Rounds per path of each saturated (closed-loop) measurement, the paths alternating. */
const ROUNDS = Math.max(1, Number(process.env.GATEWAY_ROUNDS ?? 2));
const INVOCATIONS = Number(process.env.GATEWAY_INVOCATIONS ?? 2000);
/** The offered load of the equal-load runs, as a share of the lower saturated throughput (proxy, edge). */
const EQUAL_SHARE = Number(process.env.GATEWAY_EQUAL_SHARE ?? 0.5);
const BODY = JSON.stringify(call("list_customers", { query: "acme" }));

/** One server role in its own process, run as the code ships (bench/gateway-spawn.ts). */
const start = (role: string, ...args: string[]) => startRole(role, args);

/** CPU time (user + system) of a child so far, µs. */
const cpuOf = (child: ChildProcess) => askChild<{ cpu: number }>(child, "cpu", "cpu").then((m) => m.cpu);

/** `process.memoryUsage()` of a serving child (bench/gateway-servers.ts), bytes. */
const usageOf = (child: ChildProcess) => askChild<{ mem: MemUsage }>(child, "mem", "mem").then((m) => m.mem);

/** Resident and peak resident memory of a process, bytes (Linux /proc). */
function memOf(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

const fmt = (n: number, d = 1) => n.toFixed(d);
const rps = (r: LoadResult) => r.requests / r.seconds;

async function main(): Promise<void> {
  const loadStart = loadavg();
  const up = await start("upstream");
  const proxy = await start("proxy", String(up.port));
  const edge = await start("edge", String(up.port));
  const batched = await start("edge-batched", String(up.port));
  const auth = { authorization: `Bearer ${edge.token}`, accept: "application/json, text/event-stream" };
  const batchedAuth = { ...auth, authorization: `Bearer ${batched.token}` };
  const targets = {
    "upstream direct": { port: up.port, path: "/mcp", child: up.child, headers: auth },
    "plain node:http proxy": { port: proxy.port, path: "/crm", child: proxy.child, headers: auth },
    edge: { port: edge.port, path: "/crm", child: edge.child, headers: auth },
    [BATCHED]: { port: batched.port, path: "/crm", child: batched.child, headers: batchedAuth },
  } as const;
  const warmup: Warmup = {};
  for (const [path, t] of Object.entries(targets)) warmup[path] = await warmUp(t.port, `${t.path}`, t.headers);
  const rows: Row[] = [];
  const hwm: Record<number, number> = {};
  const batchedHwm: Record<number, number> = {};
  for (const conns of [50, 200]) {
    for (const kind of ["json", "sse"] as const) {
      // ROUNDS rounds per path, the paths alternating, runs pooled: a burst of load from elsewhere on
      // the machine then hits every path instead of deciding one path's figure.
      const runs = new Map<string, { rs: LoadResult[]; cpu: number }>();
      for (let round = 0; round < ROUNDS; round++) {
        for (const [path, t] of Object.entries(targets)) {
          const req = postRequest(`${t.path}${kind === "sse" ? "?sse=1" : ""}`, t.headers, BODY);
          if (round === 0) await runLoad({ port: t.port, request: req, connections: conns, seconds: Math.min(1, SECONDS), sse: kind === "sse" }); // warm-up
          const cpu0 = await cpuOf(t.child);
          const r = await runLoad({ port: t.port, request: req, connections: conns, seconds: SECONDS, sse: kind === "sse" });
          const cpu = (await cpuOf(t.child)) - cpu0;
          const acc = runs.get(path) ?? { rs: [], cpu: 0 };
          acc.rs.push(r);
          acc.cpu += cpu;
          runs.set(path, acc);
          process.stdout.write(`${conns} ${kind} ${path} (round ${round + 1}): ${fmt(rps(r), 0)} req/s p50 ${fmt(percentile(r.latencies, 50), 2)} p99 ${fmt(percentile(r.latencies, 99), 2)} ms, ${fmt(cpu / Math.max(1, r.requests), 0)} µs CPU/request, errors ${r.errors}\n`);
        }
      }
      for (const [path, acc] of runs) {
        const r = merge(acc.rs);
        rows.push({ path, conns, kind, r, cpuUs: acc.cpu / Math.max(1, r.requests) });
      }
    }
    hwm[conns] = memOf(edge.child.pid!).hwm;
    batchedHwm[conns] = memOf(batched.child.pid!).hwm;
  }

  // Equal offered load (open loop, bench/gateway-load.ts): at 50 connections, the proxy and the edge
  // each get the same fixed request rate, EQUAL_SHARE of the lower of their saturated throughputs of
  // this run (so that neither runs near its capacity, where queueing would dominate again), latency
  // from each request's scheduled send time; two rounds each, alternating.
  const equal: EqualLoad[] = [];
  for (const kind of ["json", "sse"] as const) {
    const sat = (path: string) => rps(rows.find((x) => x.path === path && x.conns === 50 && x.kind === kind)!.r);
    const rate = Math.max(1, Math.round(EQUAL_SHARE * Math.min(sat("plain node:http proxy"), sat("edge"), sat(BATCHED))));
    const runs: Record<string, LoadResult[]> = { "plain node:http proxy": [], edge: [], [BATCHED]: [] };
    for (let round = 0; round < 2; round++) {
      for (const path of Object.keys(runs)) {
        const t = targets[path as keyof typeof targets];
        const req = postRequest(`${t.path}${kind === "sse" ? "?sse=1" : ""}`, t.headers, BODY);
        runs[path]!.push(await runLoad({ port: t.port, request: req, connections: 50, seconds: SECONDS, sse: kind === "sse", rate }));
      }
    }
    for (const [path, rs] of Object.entries(runs)) {
      const r = merge(rs);
      equal.push({ path, kind, rate, r });
      process.stdout.write(`equal load ${rate} req/s ${kind} ${path}: ${fmt(rps(r), 0)} req/s p50 ${fmt(percentile(r.latencies, 50), 2)} p99 ${fmt(percentile(r.latencies, 99), 2)} ms${kind === "sse" ? `, first event p50 ${fmt(percentile(r.firstEvent, 50), 2)} p99 ${fmt(percentile(r.firstEvent, 99), 2)} ms` : ""}, late ${r.late}, errors ${r.errors}\n`);
    }
  }

  // Diagnostic, interleaved: the SSE load at saturation through the proxy, the edge and an edge that
  // signs no identity assertion (`upstreamAssertion: "none"`), two rounds each, alternating, so that
  // machine noise hits all three alike: how much of the edge's first-event time at saturation is the
  // per-request signature. Not a judged configuration.
  const na = await start("edge-noassert", String(up.port));
  const naAuth = { ...auth, authorization: `Bearer ${na.token}` };
  await warmUp(na.port, "/crm", naAuth);
  const firstEvent: FirstEventDiag[] = [];
  for (const conns of [50, 200]) {
    const sides = [
      { path: "plain node:http proxy", port: proxy.port, headers: auth },
      { path: "edge", port: edge.port, headers: auth },
      { path: "edge without identity assertion", port: na.port, headers: naAuth },
      { path: BATCHED, port: batched.port, headers: batchedAuth },
    ];
    const runs: LoadResult[][] = sides.map(() => []);
    for (let round = 0; round < 2; round++) {
      for (const [i, x] of sides.entries()) runs[i]!.push(await runLoad({ port: x.port, request: postRequest("/crm?sse=1", x.headers, BODY), connections: conns, seconds: SECONDS, sse: true }));
    }
    for (const [i, x] of sides.entries()) {
      const r = merge(runs[i]!);
      firstEvent.push({ path: x.path, conns, r });
      process.stdout.write(`interleaved sse ${conns} ${x.path}: ${fmt(rps(r), 0)} req/s, first event p50 ${fmt(percentile(r.firstEvent, 50), 2)} ms\n`);
    }
  }
  na.child.kill();

  // Soak: each edge process in turn (soakOf).
  const soaked = await soakOf(edge.child, edge.port, auth);
  const batchedSoak = await soakOf(batched.child, batched.port, batchedAuth);

  // The same JSON load through an edge signing ES256 (pre-imported P-256 KeyObject).
  const es = await start("edge-es256", String(up.port));
  const esReq = postRequest("/crm", { ...auth, authorization: `Bearer ${es.token}` }, BODY);
  await warmUp(es.port, "/crm", { ...auth, authorization: `Bearer ${es.token}` });
  await runLoad({ port: es.port, request: esReq, connections: 50, seconds: Math.min(1, SECONDS) });
  const esRun = await runLoad({ port: es.port, request: esReq, connections: 50, seconds: SECONDS });
  es.child.kill();
  proxy.child.kill();
  edge.child.kill();
  batched.child.kill();
  const signing = signingCost();
  const lambda = await lambdaPath(up.port);
  up.child.kill();
  writeReport(report(rows, { edge: hwm, [BATCHED]: batchedHwm }, { edge: soaked, [BATCHED]: batchedSoak }, esRun, signing, lambda, loadStart, { seconds: WARMUP_SECONDS, rps: warmup }, equal, firstEvent, ROUNDS));
}

/**
 * Soak of one edge process, after 5 s of the same load: 200 connections, RSS sampled every second; growth judged after the first
 * sixth (warm-up). The V8 heap (heapUsed: live and not yet collected objects; heapTotal: what V8 has
 * reserved for them) and `external` (memory outside the heap held by JavaScript objects, e.g.
 * Buffers) at the start, after the warm-up sixth and at the end, so the report shows what grew.
 */
async function soakOf(child: ChildProcess, port: number, headers: Record<string, string>): Promise<Soak> {
  // The process may have sat idle through another process's soak, and V8 shrinks an idle heap: 5 s of
  // the same load first, so that the soak measures a warm gateway, not its heap growing back.
  await runLoad({ port, request: postRequest("/crm", headers, BODY), connections: 200, seconds: Math.min(5, SOAK_SECONDS) });
  const samples: number[] = [];
  const usage: MemUsage[] = [await usageOf(child)];
  const timer = setInterval(() => {
    samples.push(memOf(child.pid!).rss);
    if (samples.length === Math.max(1, Math.floor(SOAK_SECONDS / 6))) void usageOf(child).then((u) => usage.push(u));
  }, 1000);
  const soak = await runLoad({ port, request: postRequest("/crm", headers, BODY), connections: 200, seconds: SOAK_SECONDS });
  clearInterval(timer);
  usage.push(await usageOf(child));
  const warm = Math.max(1, Math.floor(samples.length / 6));
  const base = samples[warm - 1] ?? 0;
  const growth = samples.length > warm ? Math.max(...samples.slice(warm)) / base - 1 : 0;
  return { soak, growth, peak: memOf(child.pid!).hwm, seconds: SOAK_SECONDS, samples: samples.length, usage };
}

/** Several runs of one target as one result (requests, errors and latencies pooled; time summed). */
function merge(rs: LoadResult[]): LoadResult {
  const cat = (k: "latencies" | "firstEvent") => Float64Array.from(rs.flatMap((r) => Array.from(r[k])));
  return { requests: rs.reduce((n, r) => n + r.requests, 0), errors: rs.reduce((n, r) => n + r.errors, 0), late: rs.reduce((n, r) => n + r.late, 0), seconds: rs.reduce((n, r) => n + r.seconds, 0), latencies: cat("latencies"), firstEvent: cat("firstEvent") };
}

/** The warm-up of one fresh serving process: 1-second loads at 50 connections, JSON and SSE alternating; req/s of each. */
async function warmUp(port: number, path: string, headers: Record<string, string>): Promise<Array<{ kind: "json" | "sse"; rps: number }>> {
  const out: Array<{ kind: "json" | "sse"; rps: number }> = [];
  for (let i = 0; i < WARMUP_SECONDS; i++) {
    const kind = i % 2 === 0 ? "json" : "sse";
    const r = await runLoad({ port, request: postRequest(`${path}${kind === "sse" ? "?sse=1" : ""}`, headers, BODY), connections: 50, seconds: 1, sse: kind === "sse" });
    out.push({ kind, rps: rps(r) });
  }
  return out;
}

/** µs per assertion (claims + JWS) per algorithm, median of 7 rounds of 2000. */
function signingCost(): Record<string, number> {
  const keys = { "EdDSA (Ed25519)": generateKeyPairSync("ed25519").privateKey, "ES256 (P-256)": generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, "RS256 (RSA 2048)": generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey };
  const facts = { issuer: "https://mcp.example.com/crm", audience: "http://127.0.0.1/mcp", server: "crm", principal: { sub: "alice", clientId: "claude-desktop", agent: undefined, tenant: undefined }, httpMethod: "POST", calls: [{ method: "tools/call", name: "list_customers" }], body: BODY, scopes: ["crm:customers:read"] };
  const out: Record<string, number> = {};
  for (const [name, key] of Object.entries(keys)) {
    const s = createAssertionSigner(key);
    const rounds: number[] = [];
    for (let round = 0; round < 8; round++) {
      const t = performance.now();
      for (let i = 0; i < 2000; i++) s.sign(assertionClaims(facts), 1_800_000_000, 60);
      if (round > 0) rounds.push(((performance.now() - t) * 1000) / 2000);
    }
    out[name] = median(rounds);
  }
  return out;
}

/** Sequential invocations of the streaming handler (one request per instance at a time) vs the upstream direct. */
async function lambdaPath(upstreamPort: number): Promise<LambdaFigures[]> {
  const key = rsaKey();
  const e = createEdge([crmConfig([key], { upstream: `http://127.0.0.1:${upstreamPort}/mcp` })], { now: () => NOW_MS, assertionKey: generateKeyPairSync("ed25519").privateKey, audit: () => undefined, log: () => undefined });
  const token = mint(key, { exp: NOW_MS / 1000 + 3600 });
  let firstAt = 0;
  const aws: AwsLambdaGlobal = {
    streamifyResponse: (fn) => fn,
    // What the runtime does: the prelude goes first, then body bytes as they are written.
    HttpResponseStream: { from: (s) => s },
  };
  const handler = functionUrlHandler(e, aws) as (ev: V2Event, s: NodeJS.WritableStream) => Promise<void>;
  const agent = new Agent({ keepAlive: true });
  const direct = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const r = request({ host: "127.0.0.1", port: upstreamPort, path, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) } }, (res) => {
        res.once("data", () => (firstAt ||= performance.now()));
        res.on("end", resolve).resume();
      });
      r.on("error", reject);
      r.end(BODY);
    });
  const out: LambdaFigures[] = [];
  for (const kind of ["json", "sse"]) {
    const q = kind === "sse" ? "sse=1" : "";
    const ev: V2Event = { rawPath: "/crm", rawQueryString: q, headers: { host: "mcp.example.com", "content-type": "application/json", authorization: `Bearer ${token}` }, body: BODY, isBase64Encoded: false, requestContext: { domainName: "mcp.example.com", http: { method: "POST", sourceIp: "192.0.2.7" } } };
    const f: LambdaFigures = { kind, direct: [], edge: [], directFirst: [], edgeFirst: [] };
    for (let i = 0; i < INVOCATIONS + 200; i++) {
      // Interleaved, so machine noise hits both alike; the first 200 are warm-up.
      firstAt = 0;
      let t = performance.now();
      await direct(`/mcp${q ? `?${q}` : ""}`);
      if (i >= 200) f.direct.push(performance.now() - t), f.directFirst.push(firstAt - t);
      firstAt = 0;
      const sink = new Writable({ write(_c, _e, cb) { firstAt ||= performance.now(); cb(); } });
      t = performance.now();
      await handler(ev, sink);
      if (i >= 200) f.edge.push(performance.now() - t), f.edgeFirst.push(firstAt - t);
    }
    out.push(f);
  }
  agent.destroy();
  return out;
}

await main();
process.exit(0);
