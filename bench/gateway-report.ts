/** Writes bench/results/gateway.md from one run of bench/gateway.ts (the goals are judged here). */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { percentile, type LoadResult } from "./gateway-load.js";
import { median } from "./support.js";

export interface Row { path: string; conns: number; kind: "json" | "sse"; r: LoadResult; /** CPU of the serving process per request, µs. */ cpuUs: number }
/** `process.memoryUsage()` of the edge process, bytes. */
export interface MemUsage { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number }
/** `usage`: the edge's memory at the soak's start, after its warm-up sixth, and at its end. */
export interface Soak { soak: LoadResult; growth: number; peak: number; seconds: number; samples: number; usage: MemUsage[] }
/** One target at a fixed offered rate (open loop), 50 connections. */
export interface EqualLoad { path: string; kind: "json" | "sse"; rate: number; r: LoadResult }
/** One path of the interleaved first-event diagnostic (SSE at saturation, runs pooled). */
export interface FirstEventDiag { path: string; conns: number; r: LoadResult }
/** Req/s of each 1-second warm-up load per serving process (before its first measured run). */
export type Warmup = Record<string, Array<{ kind: "json" | "sse"; rps: number }>>;
export interface LambdaFigures { kind: string; direct: number[]; edge: number[]; directFirst: number[]; edgeFirst: number[] }

/** The path name of the edge signing its identity assertions in batches (`upstreamAssertion: "batched"`). */
export const BATCHED = "edge, batched assertions";
/** The edges the goals are judged for: signing each assertion on its own (the default), and in batches. */
const EDGES = ["edge", BATCHED] as const;

const MB = 1024 * 1024;
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const rps = (r: LoadResult) => r.requests / r.seconds;
const met = (ok: boolean) => (ok ? "met" : "**NOT met**");
const p = (xs: number[], q: number) => percentile(Float64Array.from(xs), q);

export function report(rows: Row[], hwmOf: Record<string, Record<number, number>>, soaks: Record<string, Soak>, es: LoadResult, signing: Record<string, number>, lambda: LambdaFigures[], loadStart: number[], warm?: { seconds: number; rps: Warmup }, equal: EqualLoad[] = [], firstEvent: FirstEventDiag[] = [], rounds = 1): string {
  const get = (path: string, conns: number, kind: string) => rows.find((x) => x.path === path && x.conns === conns && x.kind === kind)!.r;
  const lines: string[] = [];
  lines.push("# Gateway benchmark", "");
  const loadEnd = loadavg();
  // Busy: other work ran on the machine when the benchmark started (the 1-minute load average above
  // half its cores; the end figure includes the benchmark's own load, which keeps every core busy).
  const busy = (loadStart[0] ?? 0) > cpus().length / 2;
  lines.push(
    `Machine: ${cpus().length} CPU (${cpus()[0]?.model.trim() ?? "?"}), node ${process.version}, ${new Date().toISOString().slice(0, 10)}. Load average at start ${loadStart.map(f2).join(" / ")}, at end ${loadEnd.map(f2).join(" / ")}.`,
    "",
    ...(busy
      ? [
          `**The machine was busy** (1-minute load average at start above ${cpus().length / 2}): other processes shared the cores, so throughput, latency and even CPU time per request are inflated and noisy, and the goal verdicts below do not judge the gateway. The least noisy comparison is the CPU time per request of the edge against the proxy's.`,
          "",
        ]
      : []),
    "`npm run bench:gateway` (bench/gateway.ts). Loopback only; the upstream, the proxy and the edge each run in their own process (bench/gateway-servers.ts bundled by esbuild and run by node, as the code ships: not through tsx, whose keep-names wrappers would cost every closure created per request), the load generator (raw keep-alive sockets, one request in flight per connection, bench/gateway-load.ts) in the benchmark's process; all share the machine's cores. The upstream answers every `tools/call` with a small JSON-RPC result, or with an SSE stream of 20 events (one per event-loop turn). The edge runs `startLocalEdge` in gateway mode with a valid RS256 token (every decision a verified-token cache hit), writes an audit record per request to stdout (/dev/null; the local adapter writes the lines of one event-loop turn in one write), and sends an Ed25519-signed identity assertion with every request: \"edge\" signs each request's assertion on its own (`upstreamAssertion: \"signed\"`, the default), \"edge, batched assertions\" signs the assertions of one event-loop turn together (`upstreamAssertion: \"batched\"`: one signature over a Merkle tree of their payloads, each request still with its own assertion; at most 64 to a batch, and in a long turn a batch is signed when the next request arrives after its first has waited 0.25 ms; docs/edge.md, \"Batched assertions\"). Both are judged below; the batched one needs an upstream that verifies with `verifyEdgeAssertion`.",
    "",
  );
  if (warm && warm.seconds > 0) {
    lines.push(
      "## Warm-up",
      "",
      `Each serving process served ${warm.seconds} s of load at 50 connections (JSON and SSE alternating, 1 s each) before its first measured run, as a long-lived gateway is warm. A fresh process runs its request path in V8's lower tiers for seconds while the optimising compiler works through the hot functions on background threads, sharing the cores with the load; the req/s of each warm-up second show how long that takes (before this warm-up existed, the 50-connection JSON run of the edge measured mostly this period).`,
      "",
      "| process | JSON req/s, warm-up seconds in order | SSE req/s, warm-up seconds in order |",
      "| --- | --- | --- |",
    );
    for (const [path, xs] of Object.entries(warm.rps)) {
      const of = (k: string) => xs.filter((x) => x.kind === k).map((x) => x.rps.toFixed(0)).join(", ");
      lines.push(`| ${path} | ${of("json")} | ${of("sse")} |`);
    }
    lines.push("");
  }
  lines.push("## Throughput and latency at saturation", "", `Closed loop: every connection sends its next request as soon as the previous response has ended, so each process serves as much as it can and latency is mostly time spent queued, i.e. a function of throughput. Each figure pools ${rounds} run${rounds === 1 ? "" : "s"} per path, the paths alternating, so that a burst of other load on the machine hits every path.`, "", "| path | conns | response | req/s | p50 ms | p99 ms | first SSE event p50 / p99 ms | CPU µs / request (serving process) | errors |", "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const x of rows) {
    const fe = x.kind === "sse" ? `${f2(percentile(x.r.firstEvent, 50))} / ${f2(percentile(x.r.firstEvent, 99))}` : "";
    lines.push(`| ${x.path} | ${x.conns} | ${x.kind === "sse" ? "SSE, 20 events" : "small JSON"} | ${rps(x.r).toFixed(0)} | ${f2(percentile(x.r.latencies, 50))} | ${f2(percentile(x.r.latencies, 99))} | ${fe} | ${x.cpuUs.toFixed(0)} | ${x.r.errors} |`);
  }
  lines.push(`| edge, ES256 assertion (P-256 KeyObject) | 50 | small JSON | ${rps(es).toFixed(0)} | ${f2(percentile(es.latencies, 50))} | ${f2(percentile(es.latencies, 99))} | | | ${es.errors} |`);
  lines.push("");
  if (firstEvent.length > 0) {
    const sig = signing["EdDSA (Ed25519)"] ?? Number.NaN;
    lines.push(
      "## First SSE event at saturation, with and without the identity assertion (diagnostic)",
      "",
      `The same SSE load at saturation through the plain proxy, the edge, an edge configured with \`upstreamAssertion: "none"\` (no identity assertion) and the edge signing its assertions in batches, two rounds each, alternating (so that machine noise hits all four alike), runs pooled. The per-request signature runs on the event loop before a request can be forwarded; at saturation every connection has a request in flight, so a new stream's request can wait behind about one signature per connection before it is forwarded, and its first event about one more round before the edge reads the upstream's answer. The last column is that estimate, twice the connection count times this run's signing time (${f2(sig)} µs, below).`,
      "",
      "| conns | path | req/s | first SSE event p50 / p99 ms | p50 over the proxy's, ms | 2 × conns × signing time, ms |",
      "| ---: | --- | ---: | ---: | ---: | ---: |",
    );
    for (const c of [...new Set(firstEvent.map((x) => x.conns))]) {
      const proxyP50 = percentile(firstEvent.find((x) => x.conns === c && x.path === "plain node:http proxy")!.r.firstEvent, 50);
      for (const x of firstEvent.filter((y) => y.conns === c)) {
        const p50 = percentile(x.r.firstEvent, 50);
        lines.push(`| ${c} | ${x.path} | ${rps(x.r).toFixed(0)} | ${f2(p50)} / ${f2(percentile(x.r.firstEvent, 99))} | ${x.path === "plain node:http proxy" ? "" : f2(p50 - proxyP50)} | ${x.path === "edge" ? f2((2 * c * sig) / 1000) : ""} |`);
      }
    }
    lines.push("");
  }
  if (equal.length > 0) {
    lines.push(
      "## Latency at equal offered load (50 connections)",
      "",
      "Latency at saturation mostly measures queueing: the slower process queues longer, so its p99 and its first SSE event trail by roughly its throughput deficit, not by the time its own hop adds. Here the plain proxy and the edge get the same offered load instead, below either's capacity: the load generator runs open loop, 50 connections with requests scheduled at a fixed aggregate rate (half the lower of the proxy's and the edge's saturated throughputs of this run at 50 connections, per response kind, so that neither runs near its capacity), spread evenly over the connections, and every latency and first-event time is measured from the request's scheduled send time, so a request delayed behind a slow response on its connection counts its wait (no coordinated omission). Each process runs two rounds, alternating with the other. \"late\": requests sent more than 1 ms after their scheduled time because their connection was still busy.",
      "",
      "| response | offered req/s | path | served req/s | p50 ms | p99 ms | first SSE event p50 / p99 ms | late | errors |",
      "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const x of equal) {
      const fe = x.kind === "sse" ? `${f2(percentile(x.r.firstEvent, 50))} / ${f2(percentile(x.r.firstEvent, 99))}` : "";
      lines.push(`| ${x.kind === "sse" ? "SSE, 20 events" : "small JSON"} | ${x.rate} | ${x.path} | ${rps(x.r).toFixed(0)} | ${f2(percentile(x.r.latencies, 50))} | ${f2(percentile(x.r.latencies, 99))} | ${fe} | ${x.r.late} | ${x.r.errors} |`);
    }
    lines.push("");
  }
  lines.push(
    "## Memory and soak",
    "",
    "The peak RSS goal is judged on the whole run at 200 connections, the soak included (VmHWM after the soak). Under a steady load V8 lets the old generation fill with promoted garbage until a major collection: in 120 s soaks of each process at 200 connections (`npx tsx bench/gateway-soak.ts <role> 120`, 6 Dec 2026) heapTotal rose from about 55 to 80 MB over 40–70 s, fell back to about 60 MB at the first major collection, and RSS stayed at its plateau afterwards (V8 keeps the pages): 153 MB for the edge, 157 MB for the batched edge, 119 MB for the plain proxy (a smaller heap: less garbage per request). The live heap after a full collection was 19 MB for the edge, and its snapshots before and after showed no accumulating objects (the connections' sockets and parsers, nothing per request). So the 60 s soak's growth figure depends on where in that cycle it starts, and the peak after it on whether the first major collection has come.",
    "",
  );
  for (const edge of EDGES) {
    const hwm = hwmOf[edge]!;
    const sk = soaks[edge]!;
    lines.push(`**${edge}.** Peak RSS (VmHWM): ${f1(hwm[50]! / MB)} MB after the 50-connection runs, ${f1(hwm[200]! / MB)} MB after the 200-connection runs, ${f1(sk.peak / MB)} MB after the soak.`);
    lines.push(`Soak (after 5 s of the same load, as the process may have sat idle): 200 connections for ${sk.seconds} s: ${sk.soak.requests} requests (${rps(sk.soak).toFixed(0)} req/s), ${sk.soak.errors} errors, p99 ${f2(percentile(sk.soak.latencies, 99))} ms; RSS sampled ${sk.samples}× (once a second), growth after the first sixth (warm-up) ${f1(sk.growth * 100)} %.`, "");
    if (sk.usage.length >= 2) {
      const at = ["soak start", ...(sk.usage.length > 2 ? ["after the warm-up sixth"] : []), "soak end"];
      lines.push("Memory during the soak (`process.memoryUsage()`, MB; heapUsed counts live objects and garbage not yet collected, heapTotal what V8 has reserved for the heap, external memory held outside the heap by JavaScript objects such as Buffers):", "", "| when | RSS | heapTotal | heapUsed | external | arrayBuffers |", "| --- | ---: | ---: | ---: | ---: | ---: |");
      sk.usage.forEach((u, i) => lines.push(`| ${at[i]} | ${f1(u.rss / MB)} | ${f1(u.heapTotal / MB)} | ${f1(u.heapUsed / MB)} | ${f1(u.external / MB)} | ${f1(u.arrayBuffers / MB)} |`));
      lines.push("");
    }
  }
  lines.push("## Identity assertion signing cost", "", "| algorithm (pre-imported KeyObject) | µs per assertion (claims + JWS, median of 7 rounds) |", "| --- | ---: |");
  for (const [k, v] of Object.entries(signing)) lines.push(`| ${k} | ${f2(v)} |`);
  lines.push("");
  lines.push("## Lambda path (Function URL response streaming, emulated in-process)", "");
  lines.push("`functionUrlHandler` under an in-process `awslambda.streamifyResponse` stand-in: each invocation builds the payload v2 event's request, decides, forwards with the keep-alive node:http forwarder and pipes the upstream body into the response stream; invocations run one at a time (one request per instance), interleaved with a direct keep-alive call to the upstream. Medians and p99 over the invocations, ms.", "");
  lines.push("| response | upstream direct p50 / p99 | through the edge p50 / p99 | added p50 / p99 | first byte: direct p50, edge p50 |", "| --- | ---: | ---: | ---: | ---: |");
  for (const l of lambda) {
    lines.push(`| ${l.kind === "sse" ? "SSE, 20 events" : "small JSON"} | ${f2(median(l.direct))} / ${f2(p(l.direct, 99))} | ${f2(median(l.edge))} / ${f2(p(l.edge, 99))} | ${f2(median(l.edge) - median(l.direct))} / ${f2(p(l.edge, 99) - p(l.direct, 99))} | ${f2(median(l.directFirst))}, ${f2(median(l.edgeFirst))} |`);
  }
  lines.push("");
  lines.push(
    "## Goals (this run)",
    "",
    ...(busy ? ["Judged on a busy machine (see above): not a verdict on the gateway.", ""] : []),
    "Each goal is judged for both edges: signing every assertion on its own (the default) and in batches.",
    "",
    `| goal | ${EDGES.map((e) => `${e}: 50 connections | ${e}: 200 connections`).join(" | ")} |`,
    `| --- |${EDGES.map(() => " --- | --- |").join("")}`,
  );
  const row = (goal: string, cell: (edge: string, conns: number) => string) => lines.push(`| ${goal} | ${EDGES.flatMap((e) => [50, 200].map((c) => cell(e, c))).join(" | ")} |`);
  const ratio = (e: string, c: number, k: string) => rps(get(e, c, k)) / rps(get("plain node:http proxy", c, k));
  const addedP99 = (e: string, c: number, k: string) => percentile(get(e, c, k).latencies, 99) - percentile(get("plain node:http proxy", c, k).latencies, 99);
  const firstGap = (e: string, c: number) => percentile(get(e, c, "sse").firstEvent, 50) - percentile(get("plain node:http proxy", c, "sse").firstEvent, 50);
  const errs = (e: string) => rows.filter((x) => x.path === e).reduce((n, x) => n + x.r.errors, 0) + equal.filter((x) => x.path === e).reduce((n, x) => n + x.r.errors, 0) + soaks[e]!.soak.errors;
  for (const k of ["json", "sse"]) row(`edge ≥ 0.7× proxy throughput (${k}, saturation)`, (e, c) => `${f2(ratio(e, c, k))}× — ${met(ratio(e, c, k) >= 0.7)}`);
  const eqRow = (path: string, k: string) => equal.find((x) => x.path === path && x.kind === k);
  const eqGap = (e: string, k: string, q: number, first: boolean) => {
    const a = eqRow(e, k)?.r;
    const pr = eqRow("plain node:http proxy", k)?.r;
    return a && pr ? percentile(first ? a.firstEvent : a.latencies, q) - percentile(first ? pr.firstEvent : pr.latencies, q) : Number.NaN;
  };
  if (equal.length > 0) {
    row(`added p99 over the proxy ≤ 2 ms (json, equal offered load ${eqRow("edge", "json")?.rate ?? ""} req/s)`, (e, c) => (c === 50 ? `${f2(eqGap(e, "json", 99, false))} ms — ${met(eqGap(e, "json", 99, false) <= 2)}` : ""));
    row(`first SSE event within 1 ms of the proxy (p50, equal offered load ${eqRow("edge", "sse")?.rate ?? ""} req/s)`, (e, c) => (c === 50 ? `${f2(eqGap(e, "sse", 50, true))} ms — ${met(eqGap(e, "sse", 50, true) <= 1)}; p99 ${f2(eqGap(e, "sse", 99, true))} ms` : ""));
  }
  row("added p99 over the proxy ≤ 2 ms (json, saturation)", (e, c) => (c === 50 ? `${f2(addedP99(e, c, "json"))} ms — ${met(addedP99(e, c, "json") <= 2)}` : `${f2(addedP99(e, c, "json"))} ms (no goal)`));
  row("first SSE event within 1 ms of the proxy (p50, saturation)", (e, c) => `${f2(firstGap(e, c))} ms — ${met(firstGap(e, c) <= 1)}`);
  const fe = (path: string, c: number) => firstEvent.find((x) => x.path === path && x.conns === c);
  if (firstEvent.length > 0) {
    row("(no goal, diagnostic) first SSE event over the proxy's (p50, saturation, interleaved with the edge without identity assertion)", (e, c) => {
      const a = fe(e, c);
      const pr = fe("plain node:http proxy", c);
      return a && pr ? `${f2(percentile(a.r.firstEvent, 50) - percentile(pr.r.firstEvent, 50))} ms` : "";
    });
  }
  const cpuOf = (path: string, c: number, k: string) => rows.find((x) => x.path === path && x.conns === c && x.kind === k)!.cpuUs;
  row("(no goal) edge CPU per request ÷ proxy's, json / SSE", (e, c) => `${f2(cpuOf(e, c, "json") / cpuOf("plain node:http proxy", c, "json"))}× / ${f2(cpuOf(e, c, "sse") / cpuOf("plain node:http proxy", c, "sse"))}×`);
  // The whole run at 200 connections, soak included (VmHWM is the process's high-water mark).
  row("peak RSS ≤ 150 MB (whole run, soak included)", (e, c) => (c === 200 ? `${f1(soaks[e]!.peak / MB)} MB — ${met(soaks[e]!.peak <= 150 * MB)}` : ""));
  row("0 errors (every run of this edge and its soak)", (e, c) => (c === 50 ? `${errs(e)} — ${met(errs(e) === 0)}` : ""));
  row("soak: RSS growth after warm-up ≤ 10 %", (e, c) => (c === 200 ? `${f1(soaks[e]!.growth * 100)} % — ${met(soaks[e]!.growth <= 0.1)}` : ""));
  lines.push("");
  return `${lines.join("\n")}\n`;
}

export function writeReport(text: string): void {
  writeFileSync(new URL("./results/gateway.md", import.meta.url), text);
  process.stdout.write(text);
}
