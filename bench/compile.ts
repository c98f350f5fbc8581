/**
 * Compile + guardrail benchmark: declarations of 125, 250, 500 and 1000 MCP servers (40 scopes
 * and 30 tools each, four tiers, three groups spanning every server), timed end to end
 * (`compile` + `runRules`), median of several runs. Prints time per size and the growth ratio per
 * doubling, and writes bench/results/compile.md. Goal: 500 servers < 1 s, growth ≤ 2.3× per doubling.
 *
 *   npm run bench:compile            (REPS=9 by default; REPS=3 npm run bench:compile for a quick run)
 */
import { writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { compile, type McpAuthDeclarationInput } from "../components/index.js";
import { gc, generate, median } from "./support.js";
import { rules, runRules } from "../components/rules/index.js";

const SIZES = [125, 250, 500, 1000] as const;
const REPS = Math.max(1, Number(process.env.REPS ?? 9));
/**
 * One run: wall-clock time and the process CPU time it used. On a shared machine the CPU time is
 * the fairer figure (it excludes time spent waiting for a core), so the goals are judged on it.
 */
function timeOnce(decl: McpAuthDeclarationInput): { ms: number; wallMs: number; findings: number } {
  gc();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const plan = compile(decl);
  const findings = runRules(plan);
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, wallMs, findings: findings.length };
}

function run() {
  // Warm up the JIT on a small declaration so that the first size is not penalised.
  for (let i = 0; i < 3; i++) timeOnce(generate(25));
  // Sizes are interleaved (125, 250, 500, 1000, 125, …) so that load from other jobs on a shared
  // machine affects every size alike instead of skewing one of them.
  const decls = new Map(SIZES.map((n) => [n, generate(n)]));
  const samples = new Map(SIZES.map((n) => [n, { cpu: [] as number[], wall: [] as number[], findings: 0 }]));
  for (let r = 0; r < REPS; r++) {
    for (const n of SIZES) {
      const t = timeOnce(decls.get(n)!);
      const s = samples.get(n)!;
      s.cpu.push(t.ms);
      s.wall.push(t.wallMs);
      s.findings = t.findings;
    }
  }
  const rows: { n: number; ms: number; wallMs: number; findings: number; ratio?: number }[] = [];
  for (const n of SIZES) {
    const s = samples.get(n)!;
    const ms = median(s.cpu);
    const wallMs = median(s.wall);
    const prev = rows.at(-1);
    rows.push({ n, ms, wallMs, findings: s.findings, ...(prev ? { ratio: ms / prev.ms } : {}) });
    console.log(
      `${String(n).padStart(5)} servers  cpu ${ms.toFixed(1).padStart(8)} ms  wall ${wallMs.toFixed(1).padStart(8)} ms  ${prev ? `×${(ms / prev.ms).toFixed(2)} vs ${prev.n}` : "(baseline)"}  findings ${s.findings}`,
    );
  }
  const at500 = rows.find((r) => r.n === 500)!.ms;
  const worst = Math.max(...rows.flatMap((r) => (r.ratio === undefined ? [] : [r.ratio])));
  const pass500 = at500 < 1000;
  const passGrowth = worst <= 2.3;
  console.log(`500 servers: ${at500.toFixed(1)} ms (goal < 1000 ms: ${pass500 ? "met" : "MISSED"}); worst growth per doubling ×${worst.toFixed(2)} (goal ≤ 2.3: ${passGrowth ? "met" : "MISSED"})`);

  const md = `# Benchmark: compile + guardrail rules

\`npm run bench:compile\` (bench/compile.ts): declarations of N MCP servers, each with 40 scopes
(10 resources × read/write/delete/export) and 30 tools, four tiers and three groups spanning every
server. Each figure is the median of ${REPS} runs (sizes interleaved, a full GC before each) of \`compile(declaration)\` + \`runRules(plan)\` (all
${rules.length} rules), after a warm-up.

Machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, nproc ${os.availableParallelism()}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.

| servers | scopes | tools | median CPU time (ms) | median wall time (ms) | CPU growth vs previous size |
|---:|---:|---:|---:|---:|---:|
${rows.map((r) => `| ${r.n} | ${r.n * 40} | ${r.n * 30} | ${r.ms.toFixed(1)} | ${r.wallMs.toFixed(1)} | ${r.ratio === undefined ? "baseline" : `×${r.ratio.toFixed(2)}`} |`).join("\n")}

Goals: 500 servers < 1 s — **${pass500 ? "met" : "missed"}** (${at500.toFixed(1)} ms); growth per doubling ≤ 2.3× — **${passGrowth ? "met" : "missed"}** (worst ×${worst.toFixed(2)}).
Goals are judged on CPU time (user + system of this process): the machine is shared with other
jobs, and wall time there includes waiting for a core. Load average while measuring: ${os.loadavg()[0]!.toFixed(1)}.
`;
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "results", "compile.md");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, md);
  console.log(`Wrote ${path.relative(process.cwd(), out)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) run();
