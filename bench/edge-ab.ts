/**
 * Per-request A/B of the edge core (`npx tsx bench/edge-ab.ts [git-ref]`, default `HEAD`): the core
 * of the working tree against the core at `git-ref`, both bundled and minified as bench/edge.ts does,
 * deciding the same `tools/call` requests (RS256) with the audit drained after every 128 decisions
 * (ParamHasher keyed, checkpoints every 100 records). Rounds alternate A and B; each figure is the
 * process CPU time (user + system) per request of the decisions and their after-response audit work,
 * and the result is the median over rounds of the per-round ratio B / A. For judging a change on a
 * busy machine; bench/edge.ts gives the figures against the floor.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { edgeConfigFor } from "../components/edge-config.js";
import { compile } from "../components/plan/compile.js";
import crm from "../stacks/crm/mcp-auth.js";
import { AUD, bundleCore, ISS, keyPair, lambdaAt, TOKENS, tokens, type BundledCore } from "./edge-requests.js";
import { median } from "./support.js";

type Core = BundledCore;

const root = fileURLToPath(new URL("..", import.meta.url));

const ref = process.argv[2] ?? "HEAD";
const rounds = Number(process.env.BENCH_ROUNDS ?? 21);
const n = 1024;
const BATCH = 128;
const out = mkdtempSync(join(tmpdir(), "edge-ab-"));
const A = await bundleCore(lambdaAt(ref), join(out, "a"));
const B = await bundleCore(join(root, "lambda"), join(out, "b"));
const now = Math.floor(Date.now() / 1000);
const k = keyPair("RS256");
const toks = tokens("RS256", k, now);
const config = edgeConfigFor(compile(crm), "crm", { issuer: ISS, jwksUri: "https://idp.example.com/jwks", jwks: { keys: [k.jwk as { kty: string }] }, tokenTypes: ["at+jwt"] });
const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_customers", arguments: { query: "acme", limit: 10 } } });
const devNull = openSync("/dev/null", "w");
const cpKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
const hmacKey = randomBytes(32);

function decider(core: Core, cacheMax: number) {
  const rt = core.buildRuntime(config, { now: Date.now, fetch: globalThis.fetch, secrets: () => undefined, onProblem: () => undefined });
  const chain = new core.AuditChain({ text: (lines) => void writeSync(devNull, lines) }, { defer: true, checkpoints: { signer: core.keySigner(cpKey), sink: () => undefined, every: 100 } });
  const a = new core.Authorizer({ now: Date.now, cache: { max: cacheMax, ttlMs: 60_000 }, audit: chain, log: () => undefined, paramMode: new core.ParamHasher(hmacKey, { deferred: true }) });
  const reqs = toks.map((t) => new core.LiteRequest("POST", AUD, [["authorization", `Bearer ${t}`], ["content-type", "application/json"], ["mcp-session-id", "s1"], ["user-agent", "bench"]], body));
  return {
    async run(count: number): Promise<number> {
      const c0 = process.cpuUsage();
      for (let done = 0; done < count; done += BATCH) {
        for (let i = done; i < done + BATCH; i++) {
          const d = await a.decide(rt, reqs[i % TOKENS]!, body, { sourceIp: "203.0.113.1" });
          if (!d.allow) throw new Error("bench token refused");
        }
        await chain.drain();
      }
      const u = process.cpuUsage(c0);
      return ((u.user + u.system) * 1000) / count;
    },
  };
}

const cases = [
  ["cache hit", decider(A, 4096), decider(B, 4096), n * 4],
  ["fresh token", decider(A, 0), decider(B, 0), n],
] as const;
for (const [, a, b] of cases) {
  await a.run(TOKENS * 4);
  await b.run(TOKENS * 4);
}
for (const [name, a, b, count] of cases) {
  const xa: number[] = [];
  const xb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so drift within a round favours neither.
    if (r % 2 === 0) {
      xa.push(await a.run(count));
      xb.push(await b.run(count));
    } else {
      xb.push(await b.run(count));
      xa.push(await a.run(count));
    }
  }
  process.stdout.write(`${name}: CPU ns per request incl. audit, median of ${rounds} rounds: ${ref} ${median(xa).toFixed(0)}, working tree ${median(xb).toFixed(0)}; working tree / ${ref} ${median(xb.map((v, i) => v / xa[i]!)).toFixed(3)}\n`);
}
rmSync(join(root, ".bench-ab"), { recursive: true, force: true });
