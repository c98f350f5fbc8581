import { jwtVerify, createLocalJWKSet } from "jose";
import { sessionHash } from "../../lambda/core/sessions.js";
import { describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../lambda/core/audit.js";
import { bearer, call, crmConfig, harness, mint, post, rsaKey, RESOURCE } from "./helpers.js";

const key = rsaKey();

async function traffic() {
  const h = harness([crmConfig([key])], { auditChainId: "chain-1" });
  const t = mint(key, { act: { sub: "agent-7" } });
  await h.edge.handle(post(call("list_customers", { query: "acme corp", limit: 5 }), { ...bearer(t), "mcp-session-id": "sess-42", "user-agent": "claude-code/2.1" }), { sourceIp: "198.51.100.4" });
  await h.edge.handle(post(call("delete_customer", { id: 7 }), bearer(t)));
  await h.edge.handle(post(call("list_customers")));
  await h.edge.handle(post(call("list_deals"), bearer(mint(key, { scope: "crm:deals:read" }))));
  return h;
}

describe("audit records", () => {
  it("writes one record per decision with who, what, where and why, values hashed", async () => {
    const { audit } = await traffic();
    expect(audit).toHaveLength(4);
    const r = audit[0]!;
    expect(r).toMatchObject({
      v: 1, chain: "chain-1", seq: 0, prev: "genesis", server: "crm", decision: "allow", status: 200, reason: "ok",
      user: "alice", client: "claude-desktop", agent: "agent-7", session: sessionHash("sess-42"), method: "tools/call", tool: "list_customers",
      scopes: ["crm:customers:read"], ip: "198.51.100.4", ua: "claude-code/2.1", jti: "jti-1",
    });
    expect(r.ts).toBe("2026-11-23T12:00:00.000Z");
    expect(Object.keys(r.params!)).toEqual(["query", "limit"]);
    expect(r.params!.query).toMatch(/^hmac:[\w-]{22}$/);
    expect(JSON.stringify(r)).not.toContain("acme corp");
    expect(audit[1]).toMatchObject({ decision: "deny", status: 403, reason: "insufficient_scope", missing: ["crm:customers:delete"] });
    expect(audit[2]).toMatchObject({ decision: "deny", status: 401, reason: "no_token" });
    expect(audit[2]!.user).toBeUndefined();
  });

  it("writes argument values after the response only as the keyed hashes an immediate writer writes, in allowed, denied and batched records", async () => {
    const hmacKey = "k".repeat(32);
    const t = mint(key, { scope: "crm:customers:read crm:deals:read" });
    const batch = [call("list_customers", { query: "acme corp", limit: 5 }, 1), call("list_deals", { stage: "open" }, 2)];
    const send = async (h: ReturnType<typeof harness>) => {
      await h.edge.handle(post(call("list_customers", { query: "acme corp", limit: 5 }), bearer(t)));
      await h.edge.handle(post(call("delete_customer", { id: "cus_4711" }), bearer(t)));
      await h.edge.handle(post(batch, bearer(t)));
      await h.edge.afterResponse();
      return h.lines;
    };
    const now = await send(harness([crmConfig([key])], { auditChainId: "c", auditHmacKey: hmacKey }));
    const deferred = harness([crmConfig([key])], { auditChainId: "c", auditHmacKey: hmacKey, deferAudit: true });
    const later = await send(deferred);
    expect(later).toEqual(now);
    expect(later).toHaveLength(3);
    for (const line of later) for (const raw of ["acme corp", "cus_4711", '"open"']) expect(line).not.toContain(raw);
    expect(deferred.audit[2]!.batch).toEqual([{ method: "tools/call", tool: "list_deals", params: { stage: expect.stringMatching(/^hmac:[\w-]{22}$/) } }]);
    expect(deferred.audit[1]).toMatchObject({ decision: "deny", reason: "insufficient_scope", params: { id: expect.stringMatching(/^hmac:[\w-]{22}$/) } });
  });

  it("chains records so the verifier accepts an intact log", async () => {
    const { lines } = await traffic();
    expect(verifyAuditChain(lines)).toMatchObject({ ok: true, records: 4, chains: 1 });
  });

  it("detects a deleted record, an edited record and a reordering", async () => {
    const { lines } = await traffic();
    const gap = [lines[0]!, lines[2]!, lines[3]!];
    expect(verifyAuditChain(gap).problems[0]).toMatchObject({ problem: "gap_or_reorder", seq: 2 });
    const edited = [...lines];
    edited[1] = edited[1]!.replace('"decision":"deny"', '"decision":"allow"');
    expect(verifyAuditChain(edited).problems[0]).toMatchObject({ problem: "prev_mismatch", seq: 2 });
    const swapped = [lines[0]!, lines[2]!, lines[1]!, lines[3]!];
    expect(verifyAuditChain(swapped).ok).toBe(false);
    expect(verifyAuditChain(lines.slice(2)).problems[0]).toMatchObject({ problem: "starts_mid_chain" });
    expect(verifyAuditChain(lines.slice(2), { allowPartial: true }).ok).toBe(true);
  });
});

describe("upstream identity assertion", () => {
  it("is a short-lived JWT for the upstream, verifiable with the edge JWKS, carrying user, client, agent, tenant and the scopes the request used", async () => {
    const h = harness([crmConfig([key], { claims: { tenant: { claim: "tid", required: false }, agent: { claim: "agent_id" } } })]);
    const t = mint(key, { tid: "acme", agent_id: "agent-9", scope: "crm:customers:read crm:deals:read" });
    expect((await h.edge.handle(post(call("list_customers"), bearer(t)))).status).toBe(200);
    const assertion = h.upstreamCalls[0]!.headers.get("mcp-edge-assertion")!;
    const jwksRes = await h.edge.handle(new Request("https://mcp.example.com/.well-known/mcp-edge-jwks.json"));
    const jwks = (await jwksRes.json()) as { keys: [] };
    const { payload } = await jwtVerify(assertion, createLocalJWKSet(jwks), { audience: "http://upstream.test/mcp", issuer: RESOURCE, currentDate: new Date(Date.UTC(2026, 10, 23, 12, 0, 0)) });
    expect(payload).toMatchObject({ sub: "alice", client_id: "claude-desktop", act: { sub: "agent-9" }, tenant: "acme", scope: "crm:customers:read", mcp_server: "crm" });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(assertion).not.toContain(t.split(".")[2]);
  });

  it("drops a client-supplied assertion header and sends none when the config says so", async () => {
    const h = harness([crmConfig([key], { upstreamAssertion: "none" })]);
    await h.edge.handle(post(call("list_customers"), { ...bearer(mint(key)), "mcp-edge-assertion": "forged", cookie: "s=1" }));
    expect(h.upstreamCalls[0]!.headers.get("mcp-edge-assertion")).toBeNull();
    expect(h.upstreamCalls[0]!.headers.get("cookie")).toBeNull();
  });
});

describe("audit chain verifier script", () => {
  it("exits 0 on an intact chain and 1 on a tampered one", async () => {
    const { execFileSync } = await import("node:child_process");
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { lines } = await traffic();
    const dir = mkdtempSync(join(tmpdir(), "audit-"));
    writeFileSync(join(dir, "ok.jsonl"), `${lines.join("\n")}\n`);
    writeFileSync(join(dir, "bad.jsonl"), `${[lines[0], lines[2], lines[3]].join("\n")}\n`);
    const run = (f: string) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, ["--import", "tsx", "lambda/verify-audit.ts", join(dir, f)]).toString() };
      } catch (e) {
        return { code: (e as { status: number }).status, out: String((e as { stdout: Buffer }).stdout) };
      }
    };
    expect(run("ok.jsonl")).toMatchObject({ code: 0 });
    const bad = run("bad.jsonl");
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("gap_or_reorder");
  }, 30_000);
});
