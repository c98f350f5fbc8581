/**
 * A long soak of one gateway role with its memory traced (`tsx bench/gateway-soak.ts [role] [seconds] [conns] [json|sse]`,
 * defaults `edge 180 200 json`): starts the upstream and the role (bundled, as `npm run bench:gateway`
 * runs them), warms it up for `GATEWAY_WARMUP_SECONDS` (default 10), then runs the load and prints,
 * once a second, the process's RSS and `process.memoryUsage()` (heapTotal, heapUsed, external,
 * arrayBuffers), MB. With `GATEWAY_SNAPSHOT_DIR` set, writes a heap snapshot (after a full GC, which
 * writing one does) before and after the load and prints the constructors whose live count or
 * size grew most between the two: a leak shows as objects that keep accumulating, heap sizing as
 * RSS / heapTotal growth with flat live objects. A tool for judging the soak's RSS growth; not part
 * of `npm run bench:gateway`.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { call } from "../test/edge/helpers.js";
import { percentile, postRequest, runLoad } from "./gateway-load.js";
import { askChild, startRole } from "./gateway-spawn.js";

const [role = "edge", seconds = "180", conns = "200", kind = "json"] = process.argv.slice(2);
const WARMUP = Number(process.env.GATEWAY_WARMUP_SECONDS ?? 10);
const SNAP_DIR = process.env.GATEWAY_SNAPSHOT_DIR;
const BODY = JSON.stringify(call("list_customers", { query: "acme" }));
const MB = 1024 * 1024;

export interface Mem { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number }

/** Asks a serving child (bench/gateway-servers.ts) for the `key` member of its answer to `q`. */
const ask = <T>(child: ChildProcess, q: string | object, key: string) => askChild<Record<string, T>>(child, q, key).then((m) => m[key]!);

/** Live objects per constructor name (count, self bytes) of a V8 heap snapshot file. */
function byConstructor(file: string): Map<string, { count: number; size: number }> {
  const snap = JSON.parse(readFileSync(file, "utf8")) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const f = snap.snapshot.meta.node_fields;
  const width = f.length;
  const [iType, iName, iSize] = [f.indexOf("type"), f.indexOf("name"), f.indexOf("self_size")];
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!]!;
    const name = type === "object" || type === "closure" ? snap.strings[snap.nodes[i + iName]!]! : `(${type})`;
    const e = out.get(name) ?? { count: 0, size: 0 };
    e.count++;
    e.size += snap.nodes[i + iSize]!;
    out.set(name, e);
  }
  return out;
}

const up = await startRole("upstream");
const t = await startRole(role, [String(up.port)]);
process.stdout.write(`${role} pid ${t.child.pid}\n`);
const req = postRequest(`/crm${kind === "sse" ? "?sse=1" : ""}`, { authorization: `Bearer ${t.token ?? "x"}`, accept: "application/json, text/event-stream" }, BODY);
if (WARMUP > 0) await runLoad({ port: t.port, request: req, connections: 50, seconds: WARMUP, sse: kind === "sse" });
const snapBefore = SNAP_DIR ? await ask<string>(t.child, { snapshot: SNAP_DIR }, "snapshot") : undefined;
const samples: Mem[] = [];
const sample = async () => samples.push(await ask<Mem>(t.child, "mem", "mem"));
await sample();
const timer = setInterval(() => void sample(), 1000);
const r = await runLoad({ port: t.port, request: req, connections: Number(conns), seconds: Number(seconds), sse: kind === "sse" });
clearInterval(timer);
await sample();
const mb = (n: number) => (n / MB).toFixed(1);
process.stdout.write("second  rss  heapTotal  heapUsed  external  arrayBuffers (MB)\n");
samples.forEach((m, i) => process.stdout.write(`${i} ${mb(m.rss)} ${mb(m.heapTotal)} ${mb(m.heapUsed)} ${mb(m.external)} ${mb(m.arrayBuffers)}\n`));
process.stdout.write(`${role} ${kind} ${conns} conns ${seconds} s: ${r.requests} requests (${(r.requests / r.seconds).toFixed(0)} req/s), ${r.errors} errors, p99 ${percentile(r.latencies, 99).toFixed(2)} ms\n`);
if (SNAP_DIR && snapBefore) {
  const snapAfter = await ask<string>(t.child, { snapshot: SNAP_DIR }, "snapshot");
  const after = await ask<Mem>(t.child, "mem", "mem");
  process.stdout.write(`after a full GC: rss ${mb(after.rss)} heapUsed ${mb(after.heapUsed)} external ${mb(after.external)} MB\n`);
  const a = byConstructor(snapBefore);
  const b = byConstructor(snapAfter);
  const rows = [...b].map(([name, v]) => ({ name, dc: v.count - (a.get(name)?.count ?? 0), ds: v.size - (a.get(name)?.size ?? 0), count: v.count }));
  rows.sort((x, y) => Math.abs(y.ds) - Math.abs(x.ds));
  process.stdout.write(`heap snapshots ${snapBefore} → ${snapAfter}; constructors by growth of self size:\n`);
  for (const x of rows.slice(0, 25)) process.stdout.write(`  ${x.name.slice(0, 60)}: count ${x.count} (${x.dc >= 0 ? "+" : ""}${x.dc}), self size ${x.ds >= 0 ? "+" : ""}${(x.ds / 1024).toFixed(1)} KiB\n`);
}
t.child.kill();
up.child.kill();
process.exit(0);
