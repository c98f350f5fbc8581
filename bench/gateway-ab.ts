/**
 * A/B of gateway serving processes on a shared machine (`tsx bench/gateway-ab.ts [json|sse] [conns] [rounds] [seconds] [role=path/to/gateway-servers.ts …]`):
 * starts one upstream and each role, then runs short loads round-robin so that machine noise hits
 * all alike, and prints per role the min and median CPU µs per request of the serving process and
 * the median req/s. Default roles: the plain proxy and the edge of this tree (bundled, as in
 * `npm run bench:gateway`); a `role=file` argument adds that role of another servers file (e.g. a
 * checkout of the base branch: `edge=/tmp/base/bench/gateway-servers.ts`), bundled the same way. With
 * `GATEWAY_AB_RATE` (req/s) the measured runs are open loop at that offered rate (bench/gateway-load.ts),
 * for comparing latency and first-event times at equal load. A tool for comparing changes, not part of
 * `npm run bench:gateway`.
 */
import type { ChildProcess } from "node:child_process";
import { call } from "../test/edge/helpers.js";
import { percentile, postRequest, runLoad } from "./gateway-load.js";
import { askChild, startRole } from "./gateway-spawn.js";

const [kind = "json", conns = "50", rounds = "5", seconds = "2", ...extra] = process.argv.slice(2);
const BODY = JSON.stringify(call("list_customers", { query: "acme" }));
const here = new URL("./gateway-servers.ts", import.meta.url).pathname;

/** A role from this tree's bundled servers, or from another servers file (bundled the same way). */
const start = (file: string, r: string, ...args: string[]) => (file === here ? startRole(r, args) : startRole(r, args, [], file));
const cpuOf = (child: ChildProcess) => askChild<{ cpu: number; main: number }>(child, "cpu", "cpu");

const up = await start(here, "upstream");
const specs = [["proxy", here], ["edge", here], ...extra.map((e) => e.split("="))] as Array<[string, string]>;
const roles = [];
for (const [r, file] of specs) roles.push({ name: `${r}${file === here ? "" : ` (${file})`}`, ...(await start(file, r, String(up.port))), cpu: [] as number[], loop: [] as number[], rps: [] as number[], p99: [] as number[], fe: [] as number[], fe99: [] as number[] });
// A fresh process runs its request path in V8's lower tiers for several seconds (the optimising
// compiler works through the hot functions on background threads, sharing the cores with the
// load): every role serves load for `GATEWAY_AB_WARM` seconds (default 8) before the first round.
const WARM = Number(process.env.GATEWAY_AB_WARM ?? 8);
const RATE = process.env.GATEWAY_AB_RATE ? Number(process.env.GATEWAY_AB_RATE) : undefined;
for (const t of roles) {
  const req = postRequest(`/crm${kind === "sse" ? "?sse=1" : ""}`, { authorization: `Bearer ${t.token ?? "x"}`, accept: "application/json, text/event-stream" }, BODY);
  if (WARM > 0) await runLoad({ port: t.port, request: req, connections: Number(conns), seconds: WARM, sse: kind === "sse" });
}
for (let i = 0; i < Number(rounds); i++) {
  for (const t of roles) {
    const req = postRequest(`/crm${kind === "sse" ? "?sse=1" : ""}`, { authorization: `Bearer ${t.token ?? "x"}`, accept: "application/json, text/event-stream" }, BODY);
    await runLoad({ port: t.port, request: req, connections: Number(conns), seconds: 0.5, sse: kind === "sse" });
    const c0 = await cpuOf(t.child);
    const r = await runLoad({ port: t.port, request: req, connections: Number(conns), seconds: Number(seconds), sse: kind === "sse", ...(RATE ? { rate: RATE } : {}) });
    const c1 = await cpuOf(t.child);
    t.cpu.push((c1.cpu - c0.cpu) / Math.max(1, r.requests));
    t.loop.push((c1.main - c0.main) / Math.max(1, r.requests));
    t.rps.push(r.requests / r.seconds);
    t.p99.push(percentile(r.latencies, 99));
    t.fe99.push(percentile(r.firstEvent, 99));
    if (kind === "sse") t.fe.push(percentile(r.firstEvent, 50));
    if (r.errors) process.stdout.write(`${t.name}: ${r.errors} errors\n`);
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const t of roles) {
  process.stdout.write(`${kind} ${conns} ${t.name}: CPU µs/request min ${Math.min(...t.cpu).toFixed(0)} median ${med(t.cpu).toFixed(0)}, main thread µs/request median ${med(t.loop).toFixed(0)}; req/s median ${med(t.rps).toFixed(0)}; p99 median ${med(t.p99).toFixed(1)} ms${kind === "sse" ? `; first event p50 median ${med(t.fe).toFixed(2)} ms, p99 median ${med(t.fe99).toFixed(2)} ms` : ""}${RATE ? ` (open loop, ${RATE} req/s offered)` : ""}\n`);
  t.child.kill();
}
up.child.kill();
process.exit(0);
