import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditSurface } from "../../components/audit-surface/index.js";
import { fileAuditSource } from "../../components/audit-surface/file-source.js";
import { plan } from "../edge/helpers.js";
import { startTestIdp, writeEdgeAuditRecords } from "./fixtures.js";

/**
 * The audit surface in a real headless Chromium (Debian's package; `.ci/run` installs it), against
 * records the edge wrote to an audit file: an admin signs in at the IdP, finds the denied
 * high-sensitivity call and exports it; a user outside the admin group is refused.
 */
const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium && !process.env["CI"])("audit surface in a browser", () => {
  let dir: string;
  let surfaceServer: Server;
  let base: string;
  let idp: { issuer: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "mcp-audit-surface-"));
    const file = path.join(dir, "audit.jsonl");
    await writeEdgeAuditRecords(file);
    surfaceServer = createServer();
    await new Promise<void>((r) => surfaceServer.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(surfaceServer.address() as AddressInfo).port}`;
    const client = { id: "audit-surface", secret: "test-secret-not-for-production", redirectUri: `${base}/audit/callback` };
    idp = await startTestIdp({ alice: ["crm-admins"], bob: ["sales-reps"] }, client);
    const sensitivity = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
    const surface = createAuditSurface({
      source: fileAuditSource(file, (s) => sensitivity.get(s)),
      signIn: { issuer: idp.issuer, clientId: client.id, clientSecret: client.secret, redirectUri: client.redirectUri, allowInsecureLoopback: true },
      adminGroup: "crm-admins",
      basePath: "/audit",
    });
    surfaceServer.on("request", (req, res) => surface.handle(req, res));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await idp?.close();
    surfaceServer?.closeAllConnections();
    await new Promise<void>((r) => (surfaceServer ? surfaceServer.close(() => r()) : r()));
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens the surface and signs in at the IdP's development login and consent pages. */
  async function signIn(user: string): Promise<Page> {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${base}/audit/`);
    await page.waitForSelector('input[name="login"]');
    expect(page.url().startsWith(idp.issuer)).toBe(true);
    await page.fill('input[name="login"]', user);
    await page.fill('input[name="password"]', "any");
    await page.click('button[type="submit"]');
    await page.waitForSelector('button[type="submit"]');
    if (page.url().startsWith(idp.issuer)) await page.click('button[type="submit"]');
    await page.waitForURL(`${base}/audit/**`);
    return page;
  }

  it("lets an admin find the denied high-sensitivity call, see its chain position, and export it", async () => {
    const page = await signIn("alice");
    await page.waitForSelector("#records tbody tr");
    expect(await page.textContent("#who")).toContain("alice@example.com");

    await page.selectOption('select[name="decision"]', "deny");
    await page.selectOption('select[name="sensitivity"]', "high");
    await page.click("#search");
    await page.waitForFunction(() => document.querySelector("#summary")?.textContent?.startsWith("Records 1–1 of 1"));
    const row = page.locator("#records tbody tr");
    expect(await row.count()).toBe(1);
    const cells = await row.first().locator("td").allTextContents();
    expect(cells).toEqual(expect.arrayContaining(["crm", "deny", "insufficient_scope", "mallory", "export_customers", "high"]));

    await row.first().click();
    await page.waitForSelector("#detail:not([hidden])");
    const position = await page.textContent("#position");
    expect(position).toContain("record 2 (4 records of this chain on file)");
    expect(position).toContain("verified");
    expect(await page.textContent("#detail-json")).toContain('"crm:customers:export"');
    expect(await page.textContent("#detail-json")).not.toContain("cus_4711");

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
    expect(download.suggestedFilename()).toBe("audit-export.csv");
    const csv = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks as Buffer[]).toString("utf8"));
    const lines = csv.trim().split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ts,server,decision,/);
    expect(lines[1]).toContain("export_customers");
    expect(lines[1]).toContain(",deny,");
    await page.context().close();
  }, 60_000);

  it("refuses a user who is not in the admin group, on the page and on the API", async () => {
    const page = await signIn("bob");
    expect(await page.textContent("#message")).toContain("not in the audit admin group 'crm-admins'");
    const api = await page.context().request.get(`${base}/audit/api/records`);
    expect(api.status()).toBe(403);
    expect(await api.json()).toMatchObject({ error: "not_an_audit_admin" });
    await page.context().close();
  }, 60_000);

  it("asks for sign-in before any record is served", async () => {
    const res = await fetch(`${base}/audit/api/records?decision=deny`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "sign_in_required", sign_in: "/audit/login" });
  });
});
