/**
 * Audit surface benchmark: a 100,000-record local audit file written by the edge's own chain writer
 * (`AuditChain`, lambda/core, with signed checkpoints beside it; ten chains as ten local-stack runs,
 * CRM tools, 300 users, 7 % denials, a month of timestamps), the surface's server over it
 * (`createAuditSurface` + `fileAuditSource`, on loopback, with an admin session), and:
 *
 *   - page load: HTTP GET of the page and its script, and (when /usr/bin/chromium exists) headless
 *     Chromium navigation to the first rendered result row;
 *   - the first query after start (reads, parses and verifies the whole file);
 *   - query latency for representative filters (newest page, by user, by tool, decision=deny, a
 *     one-day time range, denied high-sensitivity calls) and exports of a filtered set (CSV, JSON);
 *   - the first query after the edge appended a record (the live local stack);
 *
 * against baselines measured in the same run: reading and JSON-parsing the whole file once, and
 * `grep -c` over it. Median and p95 of REPS requests each. Writes bench/results/surface.md.
 *
 *   npm run bench:surface            (RECORDS=100000, REPS=25 by default)
 */
import { spawnSync } from "node:child_process";
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { appendFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { AuditChain, verifyAuditChain, type AuditFields } from "../lambda/core/audit.js";
import { keySigner } from "../lambda/core/checkpoint.js";
import { createAuditSurface } from "../components/audit-surface/server.js";
import { fileAuditSource } from "../components/audit-surface/file-source.js";
import { RecordFilterSchema } from "../components/audit-surface/records.js";
import { CookieSigner } from "../components/audit-surface/session.js";
import { compile } from "../components/plan/compile.js";
import crm from "../stacks/crm/mcp-auth.js";
import { gc, median } from "./support.js";

const RECORDS = Math.max(1000, Number(process.env["RECORDS"] ?? 100_000));
const REPS = Math.max(3, Number(process.env["REPS"] ?? 25));
const CHAINS = 10;
const DAYS = 30;
const loadStart = os.loadavg();

// --- 1. The audit file, written by the edge's chain writer --------------------------------------
const plan = compile(structuredClone(crm));
const sensitivity = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
const tools = plan.servers.flatMap((s) => s.operations.filter((o) => o.kind === "tool").map((o) => ({ server: s.name, name: o.name, scopes: o.scopes })));
const users = Array.from({ length: 300 }, () => randomBytes(32).toString("base64url"));
const clients = ["claude-code", "internal-portal", "nightly-digest", ...Array.from({ length: 12 }, (_, i) => `dcr-${randomBytes(6).toString("hex")}-${i}`)];
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-surface-"));
const file = path.join(dir, "audit.jsonl");
const checkpointFile = path.join(dir, "audit.checkpoints.jsonl");
const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const signer = keySigner(privateKey);
let rng = 0x2545f491;
const rand = (): number => ((rng = (Math.imul(rng ^ (rng >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const t0 = performance.now();
const end = Date.UTC(2026, 10, 30);
const start = end - DAYS * 86_400_000;
const step = (end - start) / RECORDS;
const lines: string[] = [];
const checkpointLines: string[] = [];
let userOfDenied: string | undefined;
for (let c = 0; c < CHAINS; c++) {
  const chain = new AuditChain((line) => void lines.push(line), { checkpoints: { signer, sink: (line) => void checkpointLines.push(line) } });
  const n = RECORDS / CHAINS;
  for (let i = 0; i < n; i++) {
    const now = Math.round(start + (c * n + i) * step);
    const tool = pick(tools);
    const user = pick(users);
    const r = rand();
    const f: AuditFields =
      r < 0.02
        ? { server: tool.server, decision: "deny", status: 401, reason: pick(["no_token", "expired", "bad_signature"]), ip: "127.0.0.1", ua: "claude-code/1.0" }
        : r < 0.07
          ? { server: tool.server, decision: "deny", status: 403, reason: "insufficient_scope", user, client: pick(clients), method: "tools/call", tool: tool.name, scopes: tool.scopes, missing: [tool.scopes.find((s) => sensitivity.get(s) !== "routine") ?? tool.scopes[0]!], ip: "127.0.0.1", ua: "claude-code/1.0", jti: randomBytes(12).toString("base64url") }
          : { server: tool.server, decision: "allow", status: 200, reason: "ok", user, client: pick(clients), method: "tools/call", tool: tool.name, params: { customer_id: randomBytes(16).toString("base64url") }, scopes: tool.scopes, ip: "127.0.0.1", ua: "claude-code/1.0", jti: randomBytes(12).toString("base64url") };
    if (f.decision === "deny" && f.tool === "export_customers") userOfDenied ??= user;
    chain.write(f, now);
    if (i % 100 === 99) await chain.drain(now);
  }
  await chain.flush(Math.round(start + (c + 1) * n * step));
}
writeFileSync(file, `${lines.join("\n")}\n`);
writeFileSync(checkpointFile, `${checkpointLines.join("\n")}\n`);
const writeMs = performance.now() - t0;
const size = statSync(file).size;
const verdict = verifyAuditChain(lines, { checkpoints: checkpointLines, keys: [createPublicKey(privateKey)] });
if (!verdict.ok) throw new Error(`generated file does not verify: ${JSON.stringify(verdict.problems.slice(0, 3))}`);
lines.length = 0;

// --- 2. The surface over it --------------------------------------------------------------------
const cookieKey = randomBytes(32);
const session = new CookieSigner(cookieKey).seal({ sub: "admin", name: "admin@example.test", groups: ["CRM Admins"], exp: Math.floor(Date.now() / 1000) + 3600 });
const cookie = `mcp_audit_session=${session}`;
function startSurface() {
  const surface = createAuditSurface({
    source: fileAuditSource(file, (s) => sensitivity.get(s)),
    // Sign-in is never started: the benchmark carries a session cookie signed with the surface's key.
    signIn: { issuer: "http://127.0.0.1:9/", clientId: "bench", redirectUri: "http://127.0.0.1:9/audit/callback", allowInsecureLoopback: true },
    adminGroup: "CRM Admins",
    basePath: "/audit",
    cookieKey,
  });
  const server = createServer((req, res) => surface.handle(req, res));
  return new Promise<{ base: string; close(): Promise<void> }>((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) }),
    ),
  );
}

async function get(url: string): Promise<{ ms: number; bytes: number; status: number; body: string }> {
  const t = performance.now();
  const res = await fetch(url, { headers: { cookie } });
  const body = await res.text();
  return { ms: performance.now() - t, bytes: Buffer.byteLength(body), status: res.status, body };
}
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]!;

interface Row {
  what: string;
  p50: number;
  p95: number;
  note: string;
}
async function measure(what: string, url: string, note: (body: string, bytes: number) => string): Promise<Row> {
  const ms: number[] = [];
  let last = await get(url); // warm-up
  if (last.status !== 200) throw new Error(`${what}: HTTP ${last.status} ${last.body.slice(0, 200)}`);
  for (let i = 0; i < REPS; i++) {
    gc();
    last = await get(url);
    ms.push(last.ms);
  }
  return { what, p50: median(ms), p95: p95(ms), note: note(last.body, last.bytes) };
}
const total = (body: string): string => `${(JSON.parse(body) as { total: number }).total} matching`;

// Baselines: the least any reader of the whole file does.
function baselineParse(): number {
  gc();
  const t = performance.now();
  let n = 0;
  for (const l of readFileSync(file, "utf8").split("\n")) if (l) n += (JSON.parse(l) as { seq: number }).seq >= 0 ? 1 : 0;
  if (n !== RECORDS) throw new Error(`baseline read ${n} records`);
  return performance.now() - t;
}
function baselineGrep(): number {
  const t = performance.now();
  const r = spawnSync("grep", ["-c", '"decision":"deny"', file]);
  if (r.status !== 0) throw new Error("grep failed");
  return performance.now() - t;
}
const parseMs = Array.from({ length: 5 }, baselineParse);
const grepMs = Array.from({ length: 5 }, baselineGrep);
const baseline = median(parseMs);

// First query after start: loads, parses, verifies and indexes the file.
const cold: number[] = [];
for (let i = 0; i < 3; i++) {
  const s = await startSurface();
  gc();
  cold.push((await get(`${s.base}/api/records?limit=50`)).ms);
  await s.close();
}

const s = await startSurface();
const day = new Date(start + 12 * 86_400_000).toISOString();
const dayEnd = new Date(start + 13 * 86_400_000).toISOString();
const rows: Row[] = [];
rows.push(await measure("page: GET /audit/ (HTML)", `${s.base}/`, (_b, n) => `${n} B`));
rows.push(await measure("page: GET /audit/app.js", `${s.base}/app.js`, (_b, n) => `${n} B`));
rows.push(await measure("newest 50 records (the page's first query)", `${s.base}/api/records?limit=50`, total));
rows.push(await measure("by user", `${s.base}/api/records?limit=50&user=${encodeURIComponent(userOfDenied!)}`, total));
rows.push(await measure("by tool (export_customers)", `${s.base}/api/records?limit=50&tool=export_customers`, total));
rows.push(await measure("decision=deny", `${s.base}/api/records?limit=50&decision=deny`, total));
rows.push(await measure("time range (one day)", `${s.base}/api/records?limit=50&from=${day}&to=${dayEnd}`, total));
rows.push(await measure("denied high-sensitivity calls, page 3", `${s.base}/api/records?limit=50&offset=100&decision=deny&sensitivity=high`, total));
rows.push(await measure("record detail (chain position, verification)", `${s.base}/api/records/${encodeURIComponent(JSON.parse((await get(`${s.base}/api/records?limit=1&decision=deny`)).body).records[0].chain)}/42`, () => "1 record"));
rows.push(await measure("export CSV, decision=deny", `${s.base}/api/export?format=csv&decision=deny`, (b, n) => `${b.split("\r\n").length - 2} records, ${(n / 1024).toFixed(0)} KiB`));
rows.push(await measure("export JSON, decision=deny", `${s.base}/api/export?format=json&decision=deny`, (b, n) => `${(JSON.parse(b) as unknown[]).length} records, ${(n / 1024).toFixed(0)} KiB`));
rows.push(await measure("export CSV, by user", `${s.base}/api/export?format=csv&user=${encodeURIComponent(userOfDenied!)}`, (b, n) => `${b.split("\r\n").length - 2} records, ${(n / 1024).toFixed(0)} KiB`));

// The live local stack: the edge appends a record, then the admin searches again.
const chainWriter = new AuditChain((line) => appendFileSync(file, `${line}\n`));
const appended: number[] = [];
for (let i = 0; i < REPS; i++) {
  chainWriter.write({ server: "crm", decision: "deny", status: 403, reason: "insufficient_scope", user: userOfDenied, client: "claude-code", method: "tools/call", tool: "export_customers", scopes: ["crm:customers:export"], missing: ["crm:customers:export"] }, Date.now());
  gc();
  const r = await get(`${s.base}/api/records?limit=50&decision=deny`);
  const page = JSON.parse(r.body) as { records: Array<{ chain: string; verification: { status: string } }> };
  if (page.records[0]?.chain !== chainWriter.chain || page.records[0].verification.status !== "verified") throw new Error("the appended record is not the newest verified one");
  appended.push(r.ms);
}
rows.push({ what: "first query after the edge appended a record", p50: median(appended), p95: p95(appended), note: `${REPS} appends, each found and verified` });
// What the background check of the indexed bytes costs (the file source streams and hashes them).
const hashed: number[] = [];
for (let i = 0; i < 5; i++) {
  gc();
  const t = performance.now();
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  h.digest();
  hashed.push(performance.now() - t);
}
rows.push({ what: "background check: SHA-256 of the indexed bytes (streamed; not on a query's path)", p50: median(hashed), p95: Math.max(...hashed), note: "median/max of 5; at most every 30 s after a change" });
await s.close();

// The same filters on the file source itself (no HTTP, no JSON): what the index costs.
const direct = fileAuditSource(file, (x) => sensitivity.get(x));
await direct.query(RecordFilterSchema.parse({ limit: 1 }));
const inProcess: Row[] = [];
for (const [what, q] of [
  ["newest 50", {}],
  ["by user", { user: userOfDenied }],
  ["by tool (export_customers)", { tool: "export_customers" }],
  ["decision=deny", { decision: "deny" }],
  ["time range (one day)", { from: day, to: dayEnd }],
  ["denied high-sensitivity calls, page 3", { decision: "deny", sensitivity: "high", offset: 100 }],
  ["every denial (the export's walk)", { decision: "deny", limit: 1000, offset: 100_000 }],
] as const) {
  const f = RecordFilterSchema.parse({ limit: 50, ...q });
  const ms: number[] = [];
  let totalHits = 0;
  for (let i = 0; i < REPS; i++) {
    const t = performance.now();
    totalHits = (await direct.query(f)).total;
    ms.push(performance.now() - t);
  }
  inProcess.push({ what, p50: median(ms), p95: p95(ms), note: `${totalHits} matching` });
}

// --- 3. Headless Chromium: navigation to the first rendered row --------------------------------
const CHROMIUM = "/usr/bin/chromium";
let browserRow: Row | undefined;
if (existsSync(CHROMIUM)) {
  const { chromium } = await import("playwright-core");
  const srv = await startSurface();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  const context = await browser.newContext();
  const url = new URL(srv.base);
  await context.addCookies([{ name: "mcp_audit_session", value: session, domain: url.hostname, path: "/audit", httpOnly: true }]);
  const page = await context.newPage();
  const ms: number[] = [];
  for (let i = 0; i <= Math.min(REPS, 15); i++) {
    const t = performance.now();
    await page.goto(`${srv.base}/`);
    await page.waitForSelector("#records tbody tr");
    await page.waitForFunction(() => document.querySelector("#summary")?.textContent?.startsWith("Records 1–50 of"));
    if (i > 0) ms.push(performance.now() - t); // the first includes loading the file
  }
  await browser.close();
  await srv.close();
  browserRow = { what: "Chromium: navigation to the first 50 rendered rows", p50: median(ms), p95: p95(ms), note: "page, script, stylesheet, /api/me, first query, render" };
}
rmSync(dir, { recursive: true, force: true });

// --- 4. Results --------------------------------------------------------------------------------
const f1 = (n: number): string => n.toFixed(1);
const ratio = (n: number): string => `×${(n / baseline).toFixed(3)}`;
const all = browserRow ? [...rows, browserRow] : rows;
const out = `# Audit surface

\`npm run bench:surface\` (bench/audit-surface.ts): a ${RECORDS.toLocaleString("en")}-record local audit file
(${(size / 1048576).toFixed(1)} MiB) written by the edge's own chain writer (\`AuditChain\`, with signed checkpoints:
${checkpointLines.length} of them; ${CHAINS} chains, the CRM example's tools, ${users.length} users, 7 % denials, ${DAYS} days),
verified with \`verifyAuditChain\` before measuring (${writeMs.toFixed(0)} ms to write). The surface's server
(\`createAuditSurface\` + \`fileAuditSource\`) runs on loopback in the same process; requests carry an admin
session. Median and p95 of ${REPS} requests each, a full GC before each, after a warm-up.
Machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model.trim() ?? "?"}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; load average
${loadStart.map((l) => l.toFixed(2)).join(" / ")} at start, ${os.loadavg().map((l) => l.toFixed(2)).join(" / ")} at end (the machine is shared).

Baselines, same run: reading the whole file and \`JSON.parse\` of every line: **${f1(baseline)} ms** (median of 5);
\`grep -c '"decision":"deny"'\` over it: ${f1(median(grepMs))} ms.

| what | p50 ms | p95 ms | p50 × read+parse baseline | answer |
|---|---:|---:|---:|---|
| first query after start (read, parse, verify, index the file) | ${f1(median(cold))} | ${f1(Math.max(...cold))} | ${ratio(median(cold))} | median/max of 3 fresh servers |
${all.map((r) => `| ${r.what} | ${f1(r.p50)} | ${f1(r.p95)} | ${ratio(r.p50)} | ${r.note} |`).join("\n")}

The same queries on the file source in-process (no HTTP, no JSON; the file now has the ${REPS} appended records too),
the cost of the index itself:

| what | p50 ms | p95 ms | answer |
|---|---:|---:|---|
${inProcess.map((r) => `| ${r.what} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.note} |`).join("\n")}

The file is read where it is (no second copy on disk). The first query reads it, verifies every chain
link and indexes it in memory (records in time order, and the positions of the records having each user,
client, agent, tool, scope, server, tenant, decision and sensitivity); a query walks the shortest matching
list within the time range (binary search), newest first, and counts the total. When the file changes, it
is read from its last indexed bytes on: if they are unchanged (the edge appended), only the new lines are
parsed and verified (each chain against its last indexed record); the bytes indexed before are checked
against their SHA-256 in the background, at most every 30 s (row "background check"); if anything
before changed, the whole file is verified again. The dev stack starts that first read when the surface
starts.

Before the index (every query filtered all ${RECORDS.toLocaleString("en")} records, and any change of the file meant
reading, parsing and verifying it whole), a run of this benchmark on the same machine, load average 4–8,
measured p50: first query after an append 2229 ms (×3.96 its read+parse baseline of 563 ms), newest 50
63 ms, by user 61 ms, by tool 68 ms, one-day time range 84 ms, export CSV of the denials 257 ms.
`;
const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "results");
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, "surface.md"), out);
process.stdout.write(out);
