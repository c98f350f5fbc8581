/**
 * Measures the deployed artifact (not a test; run `npx tsx test/targets/aws/measure-artifact.ts`):
 * bundle size, init time (import + config validation), and the authorizer handler's decision cost,
 * as a ratio against a baseline measured in the same run: one raw ES256 `crypto.verify` of the same
 * kind of token (the floor of any JWT check). Figures feed docs/aws.md "Sizing" and bench/results/aws.md.
 */
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { buildEdgeBundle } from "../../../lambda/build.js";
import { entryFor } from "../../../components/targets/aws/bundle.js";
import { edgeConfigFileText } from "../../../components/targets/aws/archive.js";
import { crmConfig } from "./fixtures.js";
import { testIssuer } from "./tokens.js";
import { authorizerEvent } from "./events.js";
import { captureStdout } from "./artifact.js";

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const p99 = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length * 0.99)]!;

const issuer = await testIssuer();
const lines: string[] = [`machine: ${cpus().length} CPU (${cpus()[0]?.model ?? "?"}), node ${process.version}, ${new Date().toISOString().slice(0, 10)}`];

const configs = [crmConfig("crm", { jwks: issuer.jwks, upstream: "http://127.0.0.1:9/mcp" }), crmConfig("crm-admin", { jwks: issuer.jwks, upstream: "http://127.0.0.1:9/mcp" })];
lines.push(`CRM edge-config.json (both servers): ${Buffer.byteLength(edgeConfigFileText(configs))} bytes (Lambda environment cap: 4096)`);

let handler: ((e: unknown) => Promise<unknown>) | undefined;
for (const mode of ["gateway", "authorizer"] as const) {
  const dir = mkdtempSync(join(tmpdir(), "mcp-edge-measure-"));
  const { file, bytes } = await buildEdgeBundle({ outdir: dir, entry: entryFor(mode) });
  writeFileSync(join(dir, "edge-config.json"), edgeConfigFileText(mode === "authorizer" ? [crmConfig("crm", { jwks: issuer.jwks })] : configs));
  const t0 = performance.now();
  const mod = (await import(pathToFileURL(file).href)) as { handler: (e: unknown) => Promise<unknown> };
  lines.push(`${mode} bundle: ${(bytes / 1024).toFixed(1)} KB; init (import + validate configs): ${(performance.now() - t0).toFixed(1)} ms`);
  if (mode === "authorizer") handler = mod.handler;
}

// Baseline: raw ES256 signature verification of one token, same run.
const token = await issuer.token({ sub: "alice", scope: "crm:customers:read" });
const [h, p, s] = token.split(".") as [string, string, string];
const key = createPublicKey({ key: issuer.jwks.keys[0] as never, format: "jwk" });
const raw: number[] = [];
for (let i = 0; i < 2000; i++) {
  const t = performance.now();
  verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"));
  raw.push(performance.now() - t);
}

const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => issuer.token({ sub: `u${i}`, scope: "crm:customers:read" })));
const call = (t: string) => authorizerEvent({ "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "list_customers", Authorization: `Bearer ${t}` });
const first: number[] = [];
// The handler's audit lines are captured, not printed.
const { result: cached } = await captureStdout(async () => {
  for (const t of tokens) {
    const s0 = performance.now();
    await handler!(call(t));
    first.push(performance.now() - s0);
  }
  const warm: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const s0 = performance.now();
    await handler!(call(tokens[i % tokens.length]!));
    warm.push(performance.now() - s0);
  }
  return warm;
});

const base = median(raw);
lines.push(`baseline raw ES256 crypto.verify: median ${(base * 1000).toFixed(1)} µs`);
lines.push(`authorizer handler, first use of a token: median ${(median(first.slice(10)) * 1000).toFixed(1)} µs (${(median(first.slice(10)) / base).toFixed(1)}× baseline)`);
lines.push(`authorizer handler, cached token: median ${(median(cached) * 1000).toFixed(1)} µs (${(median(cached) / base).toFixed(2)}× baseline), p99 ${(p99(cached) * 1000).toFixed(1)} µs`);
lines.push(`heap used by this process after both bundles (tsx included): ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MB`);
process.stdout.write(`${lines.join("\n")}\n`);
