/**
 * Profiles one role of the gateway benchmark under load (`tsx bench/gateway-profile.ts [role] [json|sse] [conns] [seconds]`):
 * starts the upstream and the role (default `edge`) with `--cpu-prof` into `GATEWAY_PROF_DIR` (default
 * /tmp), runs the load, prints req/s, latency and CPU µs per request, and lets the child write its profile.
 * A tool for finding where the gateway's CPU goes; not part of `npm run bench:gateway`.
 */
import type { ChildProcess } from "node:child_process";
import { call } from "../test/edge/helpers.js";
import { percentile, postRequest, runLoad } from "./gateway-load.js";
import { askChild, startRole } from "./gateway-spawn.js";

const [role = "edge", kind = "json", conns = "50", seconds = "5", file] = process.argv.slice(2);
const dir = process.env.GATEWAY_PROF_DIR ?? "/tmp";
const prof = process.env.GATEWAY_PROF !== "0";
const BODY = JSON.stringify(call("list_customers", { query: "acme" }));

/** A role of the bundled servers (as `npm run bench:gateway` runs them), or of another servers `file` (bundled the same way). */
function start(r: string, cpuProf: boolean, ...args: string[]): Promise<{ child: ChildProcess; port: number; token?: string }> {
  const prof = cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
  return r === "upstream" || !file ? startRole(r, args, prof) : startRole(r, args, prof, file);
}
const cpuOf = (child: ChildProcess) => askChild<{ cpu: number }>(child, "cpu", "cpu").then((m) => m.cpu);

const up = await start("upstream", false);
const t = await start(role, prof, String(up.port));
const auth = { authorization: `Bearer ${t.token ?? "x"}`, accept: "application/json, text/event-stream" };
const req = postRequest(`/crm${kind === "sse" ? "?sse=1" : ""}`, auth, BODY);
const warm = await runLoad({ port: t.port, request: req, connections: Number(conns), seconds: 1, sse: kind === "sse" });
const c0 = await cpuOf(t.child);
const r = await runLoad({ port: t.port, request: req, connections: Number(conns), seconds: Number(seconds), sse: kind === "sse" });
const cpu = ((await cpuOf(t.child)) - c0) / Math.max(1, r.requests);
const fe = kind === "sse" ? ` first event p50 ${percentile(r.firstEvent, 50).toFixed(2)} ms` : "";
process.stdout.write(`${role} ${kind} ${conns}: ${(r.requests / r.seconds).toFixed(0)} req/s p50 ${percentile(r.latencies, 50).toFixed(2)} p99 ${percentile(r.latencies, 99).toFixed(2)} ms${fe}, ${cpu.toFixed(0)} µs CPU/request, errors ${r.errors}; ${warm.requests + r.requests} requests in all\n`);
await new Promise<void>((ok) => {
  t.child.once("exit", () => ok());
  t.child.send("exit");
});
up.child.kill();
process.exit(0);
