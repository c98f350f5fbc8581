/**
 * Diff benchmark: two plans of 500 MCP servers (40 scopes and 30 tools each, four tiers, three
 * groups spanning every server) that differ by a realistic pull request's worth of changes of every
 * class. Times `diffPlans` alone and with each renderer, median of several runs (a full GC before
 * each), against a baseline measured in the same run: `JSON.stringify` of both plans (the least any
 * tool reading both plans in full must do). Writes bench/results/diff.md. Goal: diff < 200 ms.
 *
 *   npm run bench:diff            (REPS=15 by default; SERVERS=1000 npm run bench:diff to scale)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { compile } from "../components/plan/compile.js";
import { gc, generate, median } from "./support.js";
import type { McpAuthDeclaration } from "../components/model/declarations.js";
import type { McpAuthPlan } from "../components/plan/schema.js";
import { diffPlans } from "../components/diff/diff.js";
import { renderDiffMarkdown } from "../components/diff/markdown.js";
import { renderDiffJson } from "../components/diff/json.js";
import type { PlanDiff } from "../components/diff/types.js";

const SERVERS = Math.max(20, Number(process.env["SERVERS"] ?? 500));
const REPS = Math.max(1, Number(process.env["REPS"] ?? 15));
const GOAL_MS = 200;
/** A large pull request touching every change class on a few percent of the servers. */
function change(decl: McpAuthDeclaration): McpAuthDeclaration {
  const d = structuredClone(decl);
  const n = d.servers.length;
  const every = (k: number) => d.servers.filter((_, i) => i % k === 0);
  for (const s of every(50)) d.scopes[`${s.resource.split("/").pop()}:files:delete`]!.sensitivity = "routine"; // sensitivity lowered
  for (const s of every(47)) s.tools["purge_files"] = { scopes: [`${s.resource.split("/").pop()}:files:read`] }; // new tool, existing scope
  for (const s of every(43)) s.tools["delete_notes"]!.scopes = [`${s.resource.split("/").pop()}:notes:delete`]; // fewer scopes
  for (const s of every(41)) s.consent = { stepUp: [], optional: [`${s.resource.split("/").pop()}:deals:export`] }; // consent relaxed
  for (const s of every(37)) d.scopes[`${s.resource.split("/").pop()}:tasks:read`]!.description = "Read tasks and their comments"; // semantic
  for (const s of every(31)) d.scopes[`${s.resource.split("/").pop()}:reports:write`]!.implies!.push(`${s.resource.split("/").pop()}:reports:export`); // implication
  d.tiers["agent"]!.scopes!.push(...d.servers.slice(60, 80).map((s) => `${s.resource.split("/").pop()}:customers:write`)); // tier gains scopes
  d.groups!["editors"]!.scopes.push(...d.servers.slice(0, 10).map((s) => `${s.resource.split("/").pop()}:customers:delete`)); // group gains scopes
  d.tokens = { accessTokenMinutes: { routine: 90 } }; // longer lifetime everywhere
  d.tiers["verified"]!.clients![0]!.redirectUris!.push("https://app.example.com/callback"); // new redirect URI
  d.tiers["cimd"]!.allowedDomains!.push("vscode.dev"); // new CIMD domain
  d.servers = d.servers.slice(5); // servers removed
  for (let i = n; i < n + 5; i++) d.servers.push({ name: `server-${i}`, resource: `https://mcp.example.com/new${i}`, displayName: `New ${i}`, tools: { ping: { scopes: ["svc10:tasks:read"] } } });
  return d;
}

/** Median CPU and wall milliseconds of `fn` over REPS runs, a full GC before each. */
function measure<T>(fn: () => T): { cpu: number; wall: number; value: T } {
  const cpu: number[] = [];
  const wall: number[] = [];
  let value!: T;
  for (let r = 0; r < REPS; r++) {
    gc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    value = fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { cpu: median(cpu), wall: median(wall), value };
}

function run() {
  const t0 = performance.now();
  const declaration = generate(SERVERS);
  const base: McpAuthPlan = compile(declaration);
  const head: McpAuthPlan = compile(change(declaration));
  console.log(`Generated and compiled two ${SERVERS}-server plans in ${(performance.now() - t0).toFixed(0)} ms`);
  // Warm-up.
  for (let i = 0; i < 3; i++) renderDiffMarkdown(diffPlans(base, head));

  const baseline = measure(() => JSON.stringify(base).length + JSON.stringify(head).length);
  const clone = measure(() => [structuredClone(base), structuredClone(head)].length);
  const diff = measure(() => diffPlans(base, head));
  const withMd = measure(() => renderDiffMarkdown(diffPlans(base, head)).length);
  const withJson = measure(() => renderDiffJson(diffPlans(base, head)).length);
  const d: PlanDiff = diff.value;
  const rows: [string, { cpu: number; wall: number }][] = [
    ["baseline: JSON.stringify of both plans", baseline],
    ["reference: structuredClone of both plans", clone],
    ["diffPlans", diff],
    ["diffPlans + renderDiffMarkdown", withMd],
    ["diffPlans + renderDiffJson", withJson],
  ];
  for (const [name, m] of rows) console.log(`${name.padEnd(44)} cpu ${m.cpu.toFixed(1).padStart(7)} ms  wall ${m.wall.toFixed(1).padStart(7)} ms  ×${(m.cpu / baseline.cpu).toFixed(2)} baseline`);
  const met = diff.cpu < GOAL_MS;
  console.log(`diffPlans: ${diff.cpu.toFixed(1)} ms CPU (goal < ${GOAL_MS} ms: ${met ? "met" : "MISSED"}). ${d.summary}`);

  const md = `# Benchmark: PR diff

\`npm run bench:diff\` (bench/diff.ts): two plans of ${SERVERS} MCP servers (40 scopes and 30 tools each,
${SERVERS * 40} scopes and ${SERVERS * 30} tools in all; four tiers; three groups spanning every server) differing by a
large pull request with every change class: lowered sensitivities, new tools under existing scopes, tools
needing fewer scopes, relaxed consent, description changes, new implications, a tier and a group gaining
scopes, a longer global lifetime, a new redirect URI and CIMD domain, 5 servers removed and 5 added.
Result: ${d.summary}

Median of ${REPS} runs, a full GC before each, after a warm-up. Machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, nproc ${os.availableParallelism()},
Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${os.loadavg()[0]!.toFixed(1)}.

| what | median CPU (ms) | median wall (ms) | × baseline (CPU) |
|---|---:|---:|---:|
${rows.map(([name, m]) => `| ${name} | ${m.cpu.toFixed(1)} | ${m.wall.toFixed(1)} | ×${(m.cpu / baseline.cpu).toFixed(2)} |`).join("\n")}

Goal: \`diffPlans\` of two ${SERVERS}-server plans < ${GOAL_MS} ms — **${met ? "met" : "missed"}** (${diff.cpu.toFixed(1)} ms CPU).
Judged on CPU time (user + system of this process): the machine is shared, and wall time includes
waiting for a core.
`;
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "results", "diff.md");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, md);
  console.log(`Wrote ${path.relative(process.cwd(), out)}`);
}

run();
