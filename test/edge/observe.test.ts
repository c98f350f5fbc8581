import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../lambda/core/audit.js";
import { ASSERTION_HEADER } from "../../lambda/core/assertion.js";
import { createEdge } from "../../lambda/core/edge.js";
import { compile } from "../../components/plan/compile.js";
import { edgeConfigFor } from "../../components/edge-config.js";
import { crmDeclaration } from "../diff/fixtures/cases.js";
import { crmConfig, mint, NOW_MS, RESOURCE, rsaKey } from "./helpers.js";

/**
 * Observe mode: a rollout mode in which the edge forwards what the policy would refuse and records
 * the would-be decision, so a team can see what enforcement would break before turning it on.
 */
const key = rsaKey();

function observing(enforcement: "observe" | "enforce" | undefined) {
  const records: AuditRecord[] = [];
  const upstream: Request[] = [];
  const edge = createEdge(crmConfig([key], enforcement ? { enforcement } : {}), {
    now: () => NOW_MS,
    audit: (r) => void records.push(r),
    log: () => undefined,
    fetch: async (input, init) => {
      upstream.push(new Request(input as string, init));
      return new Response('{"jsonrpc":"2.0","id":1,"result":{"content":[]}}', { headers: { "content-type": "application/json" } });
    },
  });
  return { edge, records, upstream };
}

function call(tool: string, headers: Record<string, string> = {}): Request {
  return new Request(RESOURCE, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: tool, arguments: {} } }),
  });
}

describe("observe mode", () => {
  it("forwards a request without a token and audits it as a would-be 401", async () => {
    const { edge, records, upstream } = observing("observe");
    const res = await edge.handle(call("list_customers"));
    expect(res.status).toBe(200);
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.headers.get(ASSERTION_HEADER)).toBeNull();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ decision: "allow", would: "deny", status: 401, reason: "no_token" });
  });

  it("forwards a call missing a scope without the client's token or an identity assertion, and names the missing scope", async () => {
    const { edge, records, upstream } = observing("observe");
    const token = mint(key, { scope: "crm:customers:read" });
    const res = await edge.handle(call("export_customers", { authorization: `Bearer ${token}` }));
    expect(res.status).toBe(200);
    const sent = upstream[0]!;
    expect(sent.headers.get("authorization")).toBeNull();
    expect(sent.headers.get(ASSERTION_HEADER)).toBeNull();
    expect(records[0]).toMatchObject({ decision: "allow", would: "deny", status: 403, reason: "insufficient_scope", tool: "export_customers", missing: ["crm:customers:export"] });
  });

  it("still signs and forwards an allowed call, with no would-be field", async () => {
    const { edge, records, upstream } = observing("observe");
    const res = await edge.handle(call("list_customers", { authorization: `Bearer ${mint(key)}` }));
    expect(res.status).toBe(200);
    expect(upstream[0]!.headers.get(ASSERTION_HEADER)).not.toBeNull();
    expect(records[0]!.decision).toBe("allow");
    expect(records[0]!.would).toBeUndefined();
    expect(JSON.stringify(records[0])).not.toContain('"would"');
  });

  it("keeps refusing foreign origins and tokens in the URL", async () => {
    const { edge, records, upstream } = observing("observe");
    const foreign = await edge.handle(call("list_customers", { origin: "https://evil.example", authorization: `Bearer ${mint(key)}` }));
    expect(foreign.status).toBe(403);
    const inUrl = await edge.handle(new Request(`${RESOURCE}?access_token=abc`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }));
    expect(inUrl.status).toBe(400);
    expect(upstream).toHaveLength(0);
    expect(records.map((r) => [r.decision, r.would])).toEqual([
      ["deny", undefined],
      ["deny", undefined],
    ]);
  });

  it("enforces by default", async () => {
    const { edge, records, upstream } = observing(undefined);
    expect((await edge.handle(call("list_customers"))).status).toBe(401);
    expect(upstream).toHaveLength(0);
    expect(records[0]).toMatchObject({ decision: "deny", status: 401 });
  });

  it("lets an API Gateway authorizer allow the request with no principal in observe mode", async () => {
    const { edge } = observing("observe");
    const d = await edge.authorize(new Request(RESOURCE, { method: "POST", headers: { "mcp-method": "tools/call", "mcp-name": "export_customers", "mcp-protocol-version": "2026-07-28" } }));
    expect(d).toMatchObject({ allow: true, principal: null, scopes: [] });
  });

  it("is declared per server and reaches the edge config through the plan", () => {
    const decl = crmDeclaration();
    decl.servers.find((s) => s.name === "crm")!.enforcement = "observe";
    const plan = compile(decl);
    expect(plan.servers.find((s) => s.name === "crm")!.enforcement).toBe("observe");
    expect(plan.servers.find((s) => s.name === "crm-admin")!.enforcement).toBeUndefined();
    const cfg = edgeConfigFor(plan, "crm", { issuer: "https://idp.example.com/", jwksUri: "https://idp.example.com/jwks" });
    expect(cfg.enforcement).toBe("observe");
  });
});
