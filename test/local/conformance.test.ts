import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import crm from "../../stacks/crm/mcp-auth.js";
import { compile } from "../../components/plan/compile.js";
import { startDevStack, type DevStack } from "../../components/local/dev-stack.js";
import { Browser } from "./browser.js";
import { codeFlow } from "./flows.js";

/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance 0.2.0-alpha.12, run on the
 * Node that runs the tests: Node 22 from the root package's `node` dev dependency): its authorization-server scenarios against the
 * local authorization server, and its DNS-rebinding and header-validation server scenarios against
 * the edge. Those server scenarios send no token, so they reach the edge through a loopback proxy
 * that adds a valid bearer token and forwards Host/Origin unchanged. Nothing is added to the
 * server's `allowedOrigins`: the DNS-rebinding scenario's "valid localhost origin" (Host and Origin
 * both the loopback address it was sent to) is accepted by the edge's own loopback-origin rule.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
// Installed apart from the root package by tools/conformance/install.mjs (`npm test` runs it first).
const TOOLS = path.join(ROOT, "tools/conformance/node_modules");
// The suite needs Node 22; `npm test` runs on the root's `node` dev dependency on every platform.
const NODE22 = process.execPath;
const SUITE = path.join(TOOLS, "@modelcontextprotocol/conformance/dist/index.js");

interface Check {
  id: string;
  name: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "SKIPPED" | "INFO";
  errorMessage?: string;
}

/**
 * Known gap in `http-header-validation`, outside this package's local target:
 * - WireSchemaValid: the demo upstream is built on @modelcontextprotocol/sdk 1.32, whose results
 *   lack the 2026-07-28 fields `resultType`, `ttlMs` and `cacheScope`.
 * It may pass in future versions; every other check must pass (the edge requires `Mcp-Method`
 * from clients announcing protocol 2026-07-28 or later, so ServerRejectsMissingMethodHeader passes).
 */
const KNOWN_HEADER_GAPS = new Set(["WireSchemaValid"]);

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function runSuite(args: string[], outDir: string, onStdout?: (all: string) => void): Promise<Map<string, Check[]>> {
  const child = spawn(NODE22, [SUITE, ...args, "-o", outDir], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    onStdout?.(out);
  });
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const results = new Map<string, Check[]>();
  for (const dir of await readdir(outDir)) {
    const file = path.join(outDir, dir, "checks.json");
    if (existsSync(file)) results.set(dir.replace(/-\d{4}-\d{2}-\d{2}T.*$/, ""), JSON.parse(await readFile(file, "utf8")) as Check[]);
  }
  if (results.size === 0) throw new Error(`conformance produced no results:\n${out}\n${err}`);
  return results;
}

const toolsInstalled = existsSync(NODE22) && existsSync(SUITE);
// In CI the suite must run: a missing install is a failure, not a skip.
if (!toolsInstalled && process.env.CI) throw new Error("The conformance tools are not installed; run `node tools/conformance/install.mjs` (npm test does).");
const describeIf = toolsInstalled ? describe : describe.skip;

describeIf("the official MCP conformance suite", () => {
  let stack: DevStack;
  let proxy: http.Server;
  let proxyUrl = "";
  let token = "";
  let outRoot = "";
  const cbPort = { value: 0 };

  beforeAll(async () => {
    outRoot = await mkdtemp(path.join(tmpdir(), "mcp-conformance-"));
    cbPort.value = await freePort();
    let edgeOrigin = "";
    proxy = http.createServer((req, res) => {
      const up = http.request(`${edgeOrigin}${req.url ?? "/"}`, { method: req.method, headers: { ...req.headers, authorization: `Bearer ${token}` } }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on("error", () => res.writeHead(502).end());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const decl = structuredClone(crm) as unknown as {
      tiers: Record<string, { clients?: Array<{ name: string; displayName: string; redirectUris: string[] }> }>;
    };
    decl.tiers["verified"]!.clients!.push({ name: "conformance", displayName: "MCP conformance suite", redirectUris: [`http://127.0.0.1:${cbPort.value}/callback`] });
    stack = await startDevStack({ plan: compile(decl), autoApprove: "bob" });
    const crmUrl = stack.servers.find((s) => s.name === "crm")!.mcpUrl;
    edgeOrigin = new URL(crmUrl).origin;
    const { token: t } = await codeFlow(stack, { clientId: "claude-code", redirectUri: "http://127.0.0.1:33418/callback", resource: crmUrl, scope: stack.plan.servers[0]!.scopes.join(" "), user: "bob" });
    token = t.access_token!;
  });
  afterAll(async () => {
    await stack?.close();
    proxy?.close();
    if (outRoot) await rm(outRoot, { recursive: true, force: true });
  });

  it("passes the authorization-server scenarios against the local authorization server", async () => {
    const crmUrl = stack.servers.find((s) => s.name === "crm")!.mcpUrl;
    const callback = `http://127.0.0.1:${cbPort.value}/callback`;
    let driven = false;
    const results = await runSuite(
      ["authorization", "--url", stack.authorizationServer.issuer, "--client-id", "conformance", "--resource", crmUrl, "--port", String(cbPort.value)],
      path.join(outRoot, "as"),
      (all) => {
        // The suite prints the authorization URL for a human; auto-approve plays the human.
        const m = /^(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)$/m.exec(all);
        if (m && !driven && all.includes("Callback server started")) {
          driven = true;
          void new Browser().authorize(m[1]!, callback, { user: "bob" }).then((cb) => fetch(cb));
        }
      },
    );
    expect([...results.keys()].sort()).toEqual(["authorization-server-authorization-code-grant", "authorization-server-authorization-server-metadata-endpoint"]);
    for (const [scenario, checks] of results) {
      expect(checks.length, scenario).toBeGreaterThan(0);
      for (const c of checks) expect({ scenario, check: c.name, status: c.status, error: c.errorMessage }).toMatchObject({ status: "SUCCESS" });
    }
  });

  it("passes the DNS-rebinding server scenario against the edge (2025-11-25 and 2026-07-28)", async () => {
    for (const version of ["2025-11-25", "2026-07-28"]) {
      const results = await runSuite(["server", "--url", `${proxyUrl}/crm`, "--scenario", "dns-rebinding-protection", "--spec-version", version], path.join(outRoot, `dns-${version}`));
      const checks = results.get("server-dns-rebinding-protection") ?? [];
      expect(checks.map((c) => c.id).sort()).toEqual(["localhost-host-rebinding-rejected", "localhost-host-valid-accepted"]);
      for (const c of checks) expect({ version, check: c.id, status: c.status, error: c.errorMessage }).toMatchObject({ status: "SUCCESS" });
    }
  });

  it("passes the header-validation server scenario against the edge, except the documented gaps", async () => {
    const results = await runSuite(["server", "--url", `${proxyUrl}/crm`, "--scenario", "http-header-validation", "--spec-version", "2026-07-28"], path.join(outRoot, "headers"));
    const checks = results.get("server-http-header-validation") ?? [];
    const passed = checks.filter((c) => c.status === "SUCCESS").map((c) => c.name);
    // The edge's own header checks: mismatched method/name, missing name, case rules, whitespace.
    expect(passed).toEqual(
      expect.arrayContaining([
        "ServerRejectsMismatchedMethodHeader",
        "ServerRejectsMismatchedNameHeader",
        "ServerRejectsMissingNameHeader",
        "ServerAcceptsWhitespaceHeaderValue",
        "ServerAcceptsLowercaseHeaderName",
        "ServerAcceptsUppercaseHeaderName",
        "ServerRejectsCaseMismatchValue",
      ]),
    );
    const failed = checks.filter((c) => c.status === "FAILURE").map((c) => c.name);
    expect(failed.filter((n) => !KNOWN_HEADER_GAPS.has(n))).toEqual([]);
    // docs/local.md's results table and its list of known failures say what this run saw.
    const doc = await readFile(path.join(ROOT, "docs/local.md"), "utf8");
    const row = doc.split("\n").find((l) => l.startsWith("| `server` / `http-header-validation`"))!;
    const [, pass, total, fail] = /(\d+) of (\d+) checks pass; (\d+) fails?/.exec(row) ?? [];
    expect([Number(pass), Number(total), Number(fail)], row).toEqual([passed.length, checks.length, failed.length]);
    const listed = doc.slice(doc.indexOf("## Conformance results"), doc.indexOf("## Limits"));
    for (const name of failed) expect(listed, name).toContain(`\`${name}\`:`);
  });
});
