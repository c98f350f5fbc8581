import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditSurface } from "../../components/audit-surface/index.js";
import { fileAuditSource } from "../../components/audit-surface/file-source.js";
import { CSV_COLUMNS } from "../../components/audit-surface/records.js";
import { CookieSigner } from "../../components/audit-surface/session.js";
import { plan } from "../edge/helpers.js";
import { writeEdgeAuditRecords } from "./fixtures.js";

/**
 * The audit surface's JSON API as docs/local.md describes it, over records the edge wrote: the
 * answers without a session, outside the admin group, for bad filters and other methods, and the
 * export's downloads. Sessions are sealed with the surface's cookie key (the sign-in itself is
 * tested against a real IdP in browser.test.ts and local-stack.test.ts).
 */

let dir: string;
let server: Server;
let base: string;
const key = randomBytes(32);
const signer = new CookieSigner(key);
const session = (groups: string[]) => `mcp_audit_session=${signer.seal({ sub: "u1", name: "u1@example.com", groups, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
const admin = session(["crm-admins"]);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "mcp-audit-api-"));
  const file = path.join(dir, "audit.jsonl");
  await writeEdgeAuditRecords(file);
  const sensitivity = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
  const surface = createAuditSurface({
    source: fileAuditSource(file, (s) => sensitivity.get(s)),
    // Discovery happens on the first sign-in only; these tests never start one.
    signIn: { issuer: "https://idp.example.com", clientId: "audit-surface", redirectUri: "http://127.0.0.1/audit/callback" },
    adminGroup: "crm-admins",
    basePath: "/audit",
    cookieKey: key,
  });
  server = createServer((req, res) => surface.handle(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await rm(dir, { recursive: true, force: true });
});

const get = (p: string, cookie?: string, init: RequestInit = {}) => fetch(`${base}${p}`, { ...init, redirect: "manual", headers: { ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string> | undefined) } });

describe("the audit surface's JSON API", () => {
  it("answers 401 without a session, and 403 to a signed-in user outside the admin group", async () => {
    const none = await get("/api/records");
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: "sign_in_required" });
    for (const p of ["/api/me", "/api/records", "/api/export?format=csv"]) {
      const r = await get(p, session(["sales-reps"]));
      expect(r.status, p).toBe(403);
      expect(await r.json(), p).toMatchObject({ error: "not_an_audit_admin" });
    }
  });

  it("pages through matching records newest first, and shows one record with its verification", async () => {
    const page = (await (await get("/api/records?limit=2&offset=1", admin)).json()) as { records: Array<{ tool: string; chain: string; seq: number; raw: unknown; verification: { status: string } }>; total: number; offset: number; limit: number };
    expect(page).toMatchObject({ total: 4, offset: 1, limit: 2 });
    expect(page.records.map((r) => r.tool)).toEqual(["export_customers", "get_customer"]);
    const one = await get(`/api/records/${encodeURIComponent(page.records[0]!.chain)}/${page.records[0]!.seq}`, admin);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ tool: "export_customers", verification: { status: "verified", chainLength: 4, problems: [] } });
    expect((await get(`/api/records/${encodeURIComponent(page.records[0]!.chain)}/99`, admin)).status).toBe(404);
  });

  it("refuses an unknown or bad filter with 400 naming the parameter, the export's format on the records API included", async () => {
    for (const [q, named] of [
      ["colour=red", "'colour'"],
      ["limit=1001", "limit"],
      ["decision=maybe", "decision"],
      ["format=csv", "'format'"],
    ] as const) {
      const r = await get(`/api/records?${q}`, admin);
      expect(r.status, q).toBe(400);
      const body = (await r.json()) as { error: string; error_description: string };
      expect(body.error, q).toBe("invalid_filter");
      expect(body.error_description, q).toContain(named);
    }
    expect((await get("/api/export?format=xml", admin)).status).toBe(400);
  });

  it("exports every match as a CSV or JSON download", async () => {
    const csv = await get("/api/export?format=csv&decision=deny", admin);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="audit-export.csv"');
    const rows = (await csv.text()).trim().split("\r\n");
    expect(rows[0]).toBe(CSV_COLUMNS.join(","));
    expect(rows).toHaveLength(2);
    const json = await get("/api/export?format=json&limit=1", admin);
    expect(json.headers.get("content-disposition")).toBe('attachment; filename="audit-export.json"');
    const records = (await json.json()) as Array<Record<string, unknown>>;
    // limit and offset page the records API; an export holds every match.
    expect(records).toHaveLength(4);
    expect(records[0]).toMatchObject({ v: 1, verification: { status: "verified" } });
  });

  it("answers 405 to any method but GET and HEAD, signing out aside", async () => {
    const post = await get("/api/records", admin, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await get("/api/records", admin, { method: "HEAD" })).status).toBe(200);
    const out = await get("/logout", admin, { method: "POST" });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/^mcp_audit_session=; .*Max-Age=0/);
  });
});
