import { describe, expect, it } from "vitest";
import { crmConfig, harness, rsaKey, ISSUER, RESOURCE } from "./helpers.js";

const key = rsaKey();
const PRM = "https://mcp.example.com/.well-known/oauth-protected-resource/crm";

describe("protected resource metadata (RFC 9728)", () => {
  it("serves the document at the path-suffixed well-known URL with byte-exact resource and issuer", async () => {
    const { edge } = harness([crmConfig([key])]);
    const res = await edge.handle(new Request(PRM));
    expect(res.status).toBe(200);
    const text = await res.text();
    const doc = JSON.parse(text) as Record<string, unknown>;
    expect(doc).toEqual({
      resource: RESOURCE,
      authorization_servers: [ISSUER],
      scopes_supported: ["crm:contacts:read", "crm:customers:read", "crm:deals:read", "crm:notes:read"],
      bearer_methods_supported: ["header"],
      resource_name: "CRM",
    });
    // Byte-exact: the issuer keeps its trailing slash and the resource gains none (pitfalls 13, 14).
    expect(text).toContain('"resource":"https://mcp.example.com/crm"');
    expect(text).toContain('"authorization_servers":["https://idp.example.com/"]');
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300, stale-while-revalidate=60");
    expect(res.headers.get("content-type")).toBe("application/json");
  });

  it("never lists offline_access in scopes_supported", async () => {
    const c = crmConfig([key], { scopesSupported: ["crm:customers:read", "offline_access"] });
    const { edge } = harness([c]);
    const doc = (await (await edge.handle(new Request(PRM))).json()) as { scopes_supported: string[] };
    expect(doc.scopes_supported).toEqual(["crm:customers:read"]);
  });

  it("answers HEAD without a body and OPTIONS as a CORS preflight", async () => {
    const { edge } = harness([crmConfig([key])]);
    const head = await edge.handle(new Request(PRM, { method: "HEAD" }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const pre = await edge.handle(new Request(PRM, { method: "OPTIONS", headers: { origin: "https://anything.example", "access-control-request-method": "GET" } }));
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toContain("GET");
  });

  it("answers 405 with Allow for other methods", async () => {
    const { edge } = harness([crmConfig([key])]);
    const res = await edge.handle(new Request(PRM, { method: "POST", body: "{}" }));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });

  it("serves the root document only when one server owns the host", async () => {
    const root = "https://mcp.example.com/.well-known/oauth-protected-resource";
    const one = harness([crmConfig([key])]);
    expect((await one.edge.handle(new Request(root))).status).toBe(200);
    const two = harness([crmConfig([key]), crmConfig([key], {}, "crm-admin")], { secrets: () => undefined });
    expect((await two.edge.handle(new Request(root))).status).toBe(404);
    const admin = await two.edge.handle(new Request("https://mcp.example.com/.well-known/oauth-protected-resource/crm-admin"));
    expect(((await admin.json()) as { resource: string }).resource).toBe("https://mcp.example.com/crm-admin");
  });

  it("answers 404 for a well-known path of an unknown resource", async () => {
    const { edge } = harness([crmConfig([key])]);
    expect((await edge.handle(new Request("https://mcp.example.com/.well-known/oauth-protected-resource/other"))).status).toBe(404);
  });
});
