/**
 * The processes of the gateway benchmark, one role per process (forked by bench/gateway.ts, which
 * reads their memory from /proc): `upstream` (a trivial MCP server answering every `tools/call`
 * with a small JSON-RPC result, or with an SSE stream of 20 events when the query says `sse`),
 * `proxy` (a plain keep-alive node:http pass-through proxy, no auth: the floor of one hop), and
 * `edge` / `edge-es256` (`startLocalEdge` in gateway mode, assertion signed with Ed25519 / ES256),
 * `edge-node` (the `edge` role with node:http's client for the upstream hop instead of undici),
 * `edge-batched` (the `edge` role with `upstreamAssertion: "batched"`: the assertions of one
 * event-loop turn signed together; `GATEWAY_BATCH_MAX` sets the batcher's `max`), and
 * `edge-noassert` (the `edge` role with `upstreamAssertion: "none"`: no identity assertion, a
 * diagnostic of what the per-request signature costs; not a configuration the benchmark judges).
 * Each binds 127.0.0.1 on an ephemeral port and sends `{ port, token? }` to the parent.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { startLocalEdge } from "../lambda/adapters/local.js";
import { nodeForwarder } from "../lambda/core/node-forward.js";
import { AssertionBatcher } from "../lambda/core/assertion-batch.js";
import type { AssertionSigner } from "../lambda/core/assertion.js";
import { crmConfig, mint, NOW_MS, rsaKey } from "../test/edge/helpers.js";

export const RESULT = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"ok"}],"isError":false}}';
export const SSE_EVENTS = 20;

const send = (m: unknown) => process.send!(m);
// The parent asks for this process's CPU time (user + system of all its threads, µs) around each
// load run, and that of its main (JavaScript) thread alone where Linux /proc tells it.
const mainThreadCpu = (): number => {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const v = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return ((Number(v[11]) + Number(v[12])) * 1e6) / 100; // utime + stime, clock ticks (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
};
process.on("message", (m) => {
  if (m === "exit") process.exit(0); // lets a profiled child (--cpu-prof) write its profile
  if (m === "cpu") {
    const u = process.cpuUsage();
    send({ cpu: u.user + u.system, main: mainThreadCpu() });
  }
  // Memory as V8 and node see it (rss, heapTotal, heapUsed, external, arrayBuffers: bytes).
  if (m === "mem") send({ mem: process.memoryUsage() });
  // A heap snapshot into `dir` (bench/gateway-soak.ts compares two by constructor); replies with its path.
  if (typeof m === "object" && m !== null && "snapshot" in m) send({ snapshot: writeHeapSnapshot(join((m as { snapshot: string }).snapshot, `edge-${Date.now()}.heapsnapshot`)) });
  // Sampled allocations, garbage included, for `ms` milliseconds, written into `dir` as a
  // .heapprofile (bench/gateway-alloc.ts reads it); replies with its path.
  if (typeof m === "object" && m !== null && "allocations" in m) void sampleAllocations(m as { allocations: string; ms: number }).then((file) => send({ allocations: file }));
});

/** The V8 sampling heap profiler over `ms` ms, keeping the samples of objects already collected (what a request allocates and drops). */
async function sampleAllocations(o: { allocations: string; ms: number }): Promise<string> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((ok, no) => session.post(method, params, (e, r) => (e ? no(e) : ok(r))));
  // GATEWAY_ALLOC_SURVIVORS=1: leave out what young-generation collections free, so the profile shows
  // what outlives them (what is promoted to the old generation and grows the heap between major GCs).
  const minor = process.env.GATEWAY_ALLOC_SURVIVORS !== "1";
  await post("HeapProfiler.startSampling", { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: minor });
  await new Promise((ok) => setTimeout(ok, o.ms));
  const { profile } = (await post("HeapProfiler.stopSampling")) as { profile: unknown };
  session.disconnect();
  const file = join(o.allocations, `edge-${Date.now()}.heapprofile`);
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

async function upstream(): Promise<void> {
  const event = (i: number) => `event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":${i},"total":${SSE_EVENTS}}}\n\n`;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (!req.url?.includes("sse")) {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(RESULT) });
        res.end(RESULT);
        return;
      }
      // The first event at once, then one per event-loop turn: a stream, not one buffered write.
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      let i = 0;
      const tick = () => {
        if (++i < SSE_EVENTS) {
          res.write(event(i));
          setImmediate(tick);
        } else res.end(`event: message\ndata: ${RESULT}\n\n`);
      };
      tick();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => send({ port: (server.address() as AddressInfo).port }));
}

async function proxy(upstreamPort: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  const server = createServer((req, res) => {
    const up = request({ host: "127.0.0.1", port: upstreamPort, path: req.url?.replace(/^\/crm/, "/mcp"), method: req.method, headers: { ...req.headers, host: `127.0.0.1:${upstreamPort}` }, agent }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => send({ port: (server.address() as AddressInfo).port }));
}

async function edge(upstreamPort: number, alg: "ed25519" | "es256", upstreamClient: "undici" | "node" = "undici", assertion: "signed" | "batched" | "none" = "signed", roleBatch?: { max: number; maxWaitMs?: number }): Promise<void> {
  const key = rsaKey();
  const assertionKey = alg === "ed25519" ? generateKeyPairSync("ed25519").privateKey : generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const cfg = { ...crmConfig([key], { upstream: `http://127.0.0.1:${upstreamPort}/mcp` }), upstreamAssertion: assertion };
  // The clock is the helpers' fixed test clock, so the minted token stays valid for the whole run.
  // Audit records go to the local adapter's default sink (stdout, the lines of one event-loop turn in one synchronous write; the parent points stdout at /dev/null).
  const batchOpts = roleBatch ?? (process.env.GATEWAY_BATCH_MAX ? { max: Number(process.env.GATEWAY_BATCH_MAX) } : undefined);
  const e = await startLocalEdge({ configs: [cfg], now: () => NOW_MS, assertionKey, log: () => undefined, ...(batchOpts ? { batchAssertions: (s: AssertionSigner) => new AssertionBatcher(s, batchOpts) } : {}), ...(upstreamClient === "node" ? { forwarder: nodeForwarder() } : {}) });
  send({ port: e.port, token: mint(key, { exp: NOW_MS / 1000 + 3600 }) });
}

const [role, upstreamPort] = process.argv.slice(2);
if (role === "upstream") await upstream();
else if (role === "proxy") await proxy(Number(upstreamPort));
else if (role === "edge") await edge(Number(upstreamPort), "ed25519");
else if (role === "edge-es256") await edge(Number(upstreamPort), "es256");
else if (role === "edge-node") await edge(Number(upstreamPort), "ed25519", "node");
else if (role === "edge-batched") await edge(Number(upstreamPort), "ed25519", "undici", "batched");
// `edge-batched:N[:W]`: batches of at most N assertions, the first waiting at most W ms (for comparing bounds with bench/gateway-ab.ts).
else if (role?.startsWith("edge-batched:")) {
  const [max, wait] = role.slice("edge-batched:".length).split(":").map(Number);
  await edge(Number(upstreamPort), "ed25519", "undici", "batched", { max: max!, ...(wait === undefined ? {} : { maxWaitMs: wait }) });
}
else if (role === "edge-noassert") await edge(Number(upstreamPort), "ed25519", "undici", "none");
else throw new Error(`unknown role ${role}`);
