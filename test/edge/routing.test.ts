import { describe, expect, it } from "vitest";
import { ADMIN_RESOURCE, bearer, call, crmConfig, harness, mint, NOW, post, rsaKey, RESOURCE } from "./helpers.js";

const key = rsaKey();
const both = () => [crmConfig([key]), crmConfig([key], { introspection: undefined }, "crm-admin")];

describe("several servers behind one edge", () => {
  it("routes by the resource path and keeps each server's audience (no confused deputy)", async () => {
    const { edge, upstreamCalls } = harness(both());
    const crmToken = mint(key, { scope: "crm:settings:read" });
    expect((await edge.handle(post(call("get_settings"), bearer(crmToken), ADMIN_RESOURCE))).status).toBe(401);
    const adminToken = mint(key, { aud: ADMIN_RESOURCE, scope: "crm:settings:read" });
    expect((await edge.handle(post(call("get_settings"), bearer(adminToken), ADMIN_RESOURCE))).status).toBe(200);
    expect(upstreamCalls.at(-1)!.url).toBe("http://upstream.test/admin");
    expect((await edge.handle(post(call("list_customers"), bearer(adminToken)))).status).toBe(401);
  });

  it("answers 404 for a path that is no configured resource", async () => {
    const { edge } = harness(both());
    expect((await edge.handle(post(call("list_customers"), bearer(mint(key)), "https://mcp.example.com/other"))).status).toBe(404);
  });
});

describe("streams and sessions", () => {
  it("needs a valid token but no scope for GET (SSE stream) and DELETE (end session)", async () => {
    const { edge, upstreamCalls } = harness([crmConfig([key])]);
    const t = mint(key, { scope: "" });
    expect((await edge.handle(new Request(RESOURCE, { headers: { accept: "text/event-stream" } }))).status).toBe(401);
    expect((await edge.handle(new Request(RESOURCE, { headers: { accept: "text/event-stream", ...bearer(t), "mcp-session-id": "s-1" } }))).status).toBe(200);
    expect((await edge.handle(new Request(RESOURCE, { method: "DELETE", headers: { ...bearer(t), "mcp-session-id": "s-1" } }))).status).toBe(200);
    expect(upstreamCalls.map((r) => r.method)).toEqual(["GET", "DELETE"]);
  });
});

describe("extra routes", () => {
  it("consults unauthenticated routes before the auth gate, after metadata", async () => {
    const { edge } = harness([crmConfig([key])], {
      routes: [async (req) => (new URL(req.url).pathname === "/register" ? Response.json({ client_id: "shim" }, { status: 201 }) : undefined)],
    });
    const r = await edge.handle(new Request("https://mcp.example.com/register", { method: "POST", body: "{}" }));
    expect(r.status).toBe(201);
    expect((await edge.handle(post(call("list_customers")))).status).toBe(401);
  });
});

describe("opaque tokens", () => {
  it("are accepted only through introspection, with the same audience and scope checks", async () => {
    let answer: Record<string, unknown> = { active: true, iss: "https://idp.example.com/", aud: RESOURCE, sub: "carol", client_id: "cli", scope: "crm:customers:read", iat: NOW - 10, exp: NOW + 300 };
    const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      if (req.url.endsWith("/introspect")) return Response.json(answer);
      return Response.json({ jsonrpc: "2.0", id: 1, result: {} });
    }) as typeof fetch;
    const cfg = crmConfig([key], { introspection: { endpoint: "https://idp.example.com/introspect", clientId: "edge", scopes: ["crm:customers:delete"], cacheSeconds: 0, opaqueTokens: true } });
    const { edge, audit } = harness([cfg], { fetch: f });
    const opaque = "2YotnFZFEjr1zCsicMWpAA";
    expect((await edge.handle(post(call("list_customers"), bearer(opaque)))).status).toBe(200);
    expect(audit.at(-1)).toMatchObject({ user: "carol", decision: "allow" });
    expect((await edge.handle(post(call("delete_customer"), bearer(opaque)))).status).toBe(403);
    answer = { ...answer, aud: ADMIN_RESOURCE };
    expect((await edge.handle(post(call("list_customers"), bearer(opaque)))).status).toBe(401);
    answer = { active: false };
    expect((await edge.handle(post(call("list_customers"), bearer(opaque)))).status).toBe(401);
  });

  it("are refused when the server has no introspection", async () => {
    const { edge } = harness([crmConfig([key])]);
    expect((await edge.handle(post(call("list_customers"), bearer("2YotnFZFEjr1zCsicMWpAA")))).status).toBe(401);
  });
});
