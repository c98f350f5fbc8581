/**
 * Where the gateway's per-request garbage comes from (`tsx bench/gateway-alloc.ts [role] [json|sse] [conns] [seconds]`,
 * defaults `edge json 50 5`): starts the upstream and the role (bundled, as `npm run bench:gateway` runs
 * them), warms it up, then samples its allocations under load with V8's sampling heap profiler,
 * objects already collected included, and prints the bytes allocated per request in all and by
 * allocating function (self), largest first. A tool for finding what young-generation collections
 * spend their time on; not part of `npm run bench:gateway`.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call } from "../test/edge/helpers.js";
import { postRequest, runLoad } from "./gateway-load.js";
import { askChild, startRole } from "./gateway-spawn.js";

const [role = "edge", kind = "json", conns = "50", seconds = "5"] = process.argv.slice(2);
const BODY = JSON.stringify(call("list_customers", { query: "acme" }));

interface Node { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] }

const up = await startRole("upstream");
const t = await startRole(role, [String(up.port)]);
const req = postRequest(`/crm${kind === "sse" ? "?sse=1" : ""}`, { authorization: `Bearer ${t.token ?? "x"}`, accept: "application/json, text/event-stream" }, BODY);
await runLoad({ port: t.port, request: req, connections: Number(conns), seconds: 5, sse: kind === "sse" });
const dir = mkdtempSync(join(tmpdir(), "gateway-alloc-"));
const ms = Number(seconds) * 1000;
const [answer, r] = await Promise.all([askChild<{ allocations: string }>(t.child, { allocations: dir, ms }, "allocations"), runLoad({ port: t.port, request: req, connections: Number(conns), seconds: Number(seconds) + 1, sse: kind === "sse" })]);
// The load ran a second longer than the sampling: count the requests of the sampled window only.
const requests = (r.requests * Number(seconds)) / (Number(seconds) + 1);
const profile = JSON.parse(readFileSync(answer.allocations, "utf8")) as { head: Node };
const bySite = new Map<string, number>();
let total = 0;
const walk = (n: Node) => {
  const f = n.callFrame;
  const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
  bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
  total += n.selfSize;
  for (const c of n.children) walk(c);
};
walk(profile.head);
process.stdout.write(`${role} ${kind} ${conns}: ${(total / requests).toFixed(0)} bytes allocated per request (sampled), ${Math.round(requests)} requests\n`);
for (const [k, v] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 40)) process.stdout.write(`${(v / requests).toFixed(0).padStart(7)} B  ${k}\n`);
t.child.kill();
up.child.kill();
