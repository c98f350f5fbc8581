import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { chromium, type Browser as Chromium, type Download, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDev } from "../../cli/commands/dev.js";
import type { CliIO } from "../../cli/io.js";
import type { DevStack } from "../../components/local/dev-stack.js";
import { Browser, jwtClaims, MemoryOAuthProvider } from "../local/browser.js";
import { REDIRECT } from "../local/fixtures.js";

/**
 * The audit surface of the local stack, started the way `npm start` starts it (`runDev`, the CRM
 * example, ephemeral ports), in a real headless Chromium (Debian's package; `.ci/run` installs it):
 * bob, a sales rep, calls the high-sensitivity `export_customers` tool through the edge with the
 * official MCP SDK client and is refused; alice (in the declaration's "CRM Admins") signs in at the
 * embedded IdP, finds that call with the filters, opens it and exports it; bob is refused.
 */
const CHROMIUM = "/usr/bin/chromium";
const ROOT = path.resolve(import.meta.dirname, "../..");

describe.skipIf(!existsSync(CHROMIUM) && !process.env["CI"])("the local stack's audit surface in a browser", () => {
  let dir: string;
  let stack: DevStack;
  let stop: () => void;
  let exited: Promise<number>;
  const out: string[] = [];
  const err: string[] = [];
  let browser: Chromium;
  let surface: string;
  /** The front's subject for bob (what the edge records as `user`). */
  let bobSub: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "mcp-dev-audit-"));
    const io: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd: ROOT, env: {} };
    const stopped = new Promise<void>((r) => (stop = r));
    const ready = new Promise<DevStack>((resolve, reject) => {
      exited = runDev(["stacks/crm/mcp-auth.ts", "--as-port", "0", "--edge-port", "0", "--demo-port", "0", "--audit-port", "0", "--audit-file", path.join(dir, "audit.jsonl")], io, stopped, resolve);
      exited.then((code) => reject(new Error(`dev exited ${code}: ${err.join("")}`)), reject);
    });
    [stack, browser] = await Promise.all([
      ready,
      chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] }),
    ]);
    surface = stack.auditSurface!.url;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    stop?.();
    await exited;
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens the surface in a fresh browser context and signs in as `user` at the embedded IdP's dev login page. */
  async function signIn(user: string): Promise<Page> {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(surface);
    await page.waitForSelector('input[name="username"]');
    expect(page.url().startsWith(stack.authorizationServer.upstreamIssuer)).toBe(true);
    expect(await page.textContent("body")).toContain("pulumi-mcp-auth audit surface");
    await page.check(`input[name="username"][value="${user}"]`);
    await page.click('button:has-text("Sign in")');
    await page.waitForURL(`${surface}**`);
    return page;
  }

  const body = async (d: Download): Promise<string> => Buffer.concat((await (await d.createReadStream()).toArray()) as Buffer[]).toString("utf8");

  it("prints the surface in the banner and writes the edge's records and checkpoints to the audit file", () => {
    const banner = out.join("");
    expect(banner).toContain(`Audit surface         ${surface} (sign in at the dev IdP; members of 'CRM Admins': alice)`);
    expect(banner).toContain(`Audit log             ${path.join(dir, "audit.jsonl")}`);
    expect(stack.audit?.checkpointFile).toBe(path.join(dir, "audit.checkpoints.jsonl"));
  });

  it("lets an admin find bob's denied high-sensitivity call, see its chain position, and export it", async () => {
    // bob signs in through a dynamically registered client (tier dcr, routine only) and calls export_customers.
    const crm = stack.servers.find((s) => s.name === "crm")!;
    const provider = new MemoryOAuthProvider(REDIRECT, { client_name: "bob's agent", redirect_uris: [REDIRECT], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" });
    await expect(new Client({ name: "bob", version: "1.0.0" }).connect(new StreamableHTTPClientTransport(new URL(crm.mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(UnauthorizedError);
    const cb = await new Browser().authorize(provider.lastAuthorizationUrl!.href, REDIRECT, { user: "bob" });
    const transport = new StreamableHTTPClientTransport(new URL(crm.mcpUrl), { authProvider: provider });
    await transport.finishAuth(cb.searchParams.get("code")!);
    bobSub = String(jwtClaims(provider.savedTokens!.access_token)["sub"]);
    const client = new Client({ name: "bob", version: "1.0.0" });
    await client.connect(transport);
    expect((await client.callTool({ name: "list_customers", arguments: {} })).isError).toBeFalsy();
    await expect(client.callTool({ name: "export_customers", arguments: {} })).rejects.toThrow(/403/);
    await client.close();

    // What the edge wrote: the denied export call(s), with the scope it lacked.
    const lines = (await readFile(stack.audit!.file, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const denied = lines.filter((r) => r["tool"] === "export_customers" && r["decision"] === "deny" && r["user"] === bobSub);
    expect(denied.length).toBeGreaterThanOrEqual(1);
    expect(denied[0]).toMatchObject({ status: 403, reason: "insufficient_scope", missing: ["crm:customers:export"] });
    const newest = denied.at(-1)!;

    // alice signs in and filters: user, tool, decision, sensitivity.
    const page = await signIn("alice");
    await page.waitForSelector("#records tbody tr");
    expect(await page.textContent("#who")).toContain("alice@example.test");
    await page.fill('input[name="user"]', bobSub);
    await page.fill('input[name="tool"]', "export_customers");
    await page.selectOption('select[name="decision"]', "deny");
    await page.selectOption('select[name="sensitivity"]', "high");
    await page.click("#search");
    const n = denied.length;
    await page.waitForFunction((want) => document.querySelector("#summary")?.textContent === want, `Records 1–${n} of ${n}, newest first.`);
    const row = page.locator("#records tbody tr").first();
    expect(await row.locator("td").allTextContents()).toEqual(expect.arrayContaining(["crm", "deny", "insufficient_scope", bobSub, "export_customers", "high", `verified #${String(newest["seq"])}`]));

    await row.click();
    await page.waitForSelector("#detail:not([hidden])");
    const position = await page.textContent("#position");
    const chainLength = lines.filter((r) => r["chain"] === newest["chain"]).length;
    expect(position).toContain(`record ${String(newest["seq"])} (${chainLength} records of this chain on file)`);
    expect(position).toContain("Verificationverified");
    expect(JSON.parse((await page.textContent("#detail-json"))!)).toEqual(newest);

    const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
    expect(csv.suggestedFilename()).toBe("audit-export.csv");
    const rows = (await body(csv)).trim().split("\r\n");
    expect(rows).toHaveLength(n + 1);
    expect(rows[0]).toMatch(/^ts,server,decision,would,status,reason,user,client,agent,tenant,method,tool,sensitivity,scopes,missing,/);
    for (const r of rows.slice(1)) expect(r).toMatch(new RegExp(`^[^,]+,crm,deny,,403,insufficient_scope,${bobSub.replace(/[-]/g, "\\-")},[^,]*,,,tools/call,export_customers,high,.*crm:customers:export`));

    const [json] = await Promise.all([page.waitForEvent("download"), page.click("#export-json")]);
    expect(json.suggestedFilename()).toBe("audit-export.json");
    const exported = JSON.parse(await body(json)) as Array<Record<string, unknown>>;
    expect(exported.map(({ verification: _v, ...r }) => r)).toEqual([...denied].reverse());
    expect(exported.every((r) => (r["verification"] as { status: string }).status === "verified")).toBe(true);
    await page.context().close();
  }, 60_000);

  it("refuses bob, who is not in the admin group, on the page and on the API", async () => {
    const page = await signIn("bob");
    expect(await page.textContent("#message")).toContain("not in the audit admin group 'CRM Admins'");
    expect(await page.locator("#records").count()).toBe(0);
    const api = await page.context().request.get(`${surface}api/records?decision=deny`);
    expect(api.status()).toBe(403);
    expect(await api.json()).toMatchObject({ error: "not_an_audit_admin" });
    const exported = await page.context().request.get(`${surface}api/export?format=csv`);
    expect(exported.status()).toBe(403);
    await page.context().close();
  }, 30_000);

  it("never logs a token, code or secret", () => {
    const logs = out.join("") + err.join("");
    // The surface's lines are its own ([audit]), not the authorization server's ([auth]).
    expect(err.join("")).toContain("[audit] audit surface: alice@example.test signed in");
    expect(logs).not.toContain("[auth] audit surface:");
    expect(logs).toMatch(/audit surface: refused bob@example.test/);
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(logs).not.toMatch(/[?&](code|state)=/);
  });
});
