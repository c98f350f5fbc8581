/**
 * Cold-start A/B of two builds of the front's Lambda bundle (`npx tsx bench/front-cold-ab.ts <dirA>
 * <dirB> [runs]`): each directory holds an `index.cjs` and the cold path script `front-cold.cjs`
 * of `front-cold-start.ts` (bench/front.ts writes both; `FRONT_AB_BUILD=<dir>` builds the current
 * tree into <dir> and exits). Runs bare node, A and B in turn (interleaved, so that the load of a
 * shared machine falls on all three alike) and prints medians over bare node of the CPU time
 * (user + system, up to the answer) and of the wall time (process start to exit), and the paired
 * differences B − A.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { buildFrontBundle } from "../components/front/aws/build.js";
import { compile } from "../components/plan/compile.js";
import crm from "../stacks/crm/mcp-auth.js";
import { coldStartScript } from "./front-cold-start.js";
import { median } from "./support.js";

if (process.env["FRONT_AB_BUILD"]) {
  const dir = process.env["FRONT_AB_BUILD"];
  const { file, bytes } = await buildFrontBundle({ outdir: dir });
  coldStartScript(dir, file, compile(crm));
  process.stdout.write(`${file} ${(bytes / 1024).toFixed(0)} KB\n`);
  process.exit(0);
}

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB) throw new Error("usage: tsx bench/front-cold-ab.ts <dirA> <dirB> [runs]");
const runs = Number(process.argv[4] ?? 15);
const env = { ...process.env };
delete env["NODE_PATH"];

function run(args: string[], cwd: string): { wall: number; cpu: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { env, encoding: "utf8", cwd });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { status?: number; dynamoClient?: boolean; cpuMs: number };
  if (args[0] !== "-e" && (out.status !== 200 || out.dynamoClient !== true)) throw new Error(`cold start did not answer 200 with its DynamoDB client: ${r.stdout}`);
  return { wall, cpu: out.cpuMs };
}

const bare: { wall: number; cpu: number }[] = [];
const a: { wall: number; cpu: number }[] = [];
const b: { wall: number; cpu: number }[] = [];
for (let i = 0; i < runs; i++) {
  bare.push(run(["-e", "const c = process.cpuUsage(); process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000 }))"], dirA));
  // Alternate which build goes first.
  if (i % 2 === 0) {
    a.push(run([join(dirA, "front-cold.cjs")], dirA));
    b.push(run([join(dirB, "front-cold.cjs")], dirB));
  } else {
    b.push(run([join(dirB, "front-cold.cjs")], dirB));
    a.push(run([join(dirA, "front-cold.cjs")], dirA));
  }
}
const m = (xs: number[]) => median([...xs].sort((p, q) => p - q)).toFixed(0);
const bw = median(bare.map((x) => x.wall).sort((p, q) => p - q));
const bc = median(bare.map((x) => x.cpu).sort((p, q) => p - q));
process.stdout.write(
  [
    `runs: ${runs} (interleaved)`,
    `bare node: wall ${bw.toFixed(0)} ms, CPU ${bc.toFixed(0)} ms`,
    `A ${dirA}: over bare node wall ${m(a.map((x) => x.wall - bw))} ms, CPU ${m(a.map((x) => x.cpu - bc))} ms`,
    `B ${dirB}: over bare node wall ${m(b.map((x) => x.wall - bw))} ms, CPU ${m(b.map((x) => x.cpu - bc))} ms`,
    `paired B − A: wall ${m(b.map((x, i) => x.wall - a[i]!.wall))} ms, CPU ${m(b.map((x, i) => x.cpu - a[i]!.cpu))} ms`,
  ].join("\n") + "\n",
);
