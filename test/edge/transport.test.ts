import { describe, expect, it } from "vitest";
import { decodeHeaderValue } from "../../lambda/core/jsonrpc.js";
import { bearer, call, crmConfig, harness, mint, post, RESOURCE, rsaKey } from "./helpers.js";

/** MCP 2026-07-28 Streamable HTTP exactly, for clients announcing it; older revisions unchanged. */
const key = rsaKey();
const t = mint(key);
const V = "2026-07-28";
const modern = (extra: Record<string, string> = {}) => ({ ...bearer(t), "mcp-protocol-version": V, ...extra });
const b64 = (s: string) => `=?base64?${Buffer.from(s, "utf8").toString("base64")}?=`;
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: number; message: string } }).error;

function withTool(name: string) {
  const c = crmConfig([key]);
  return { ...c, operations: { ...c.operations, tools: { ...c.operations.tools, [name]: { scopes: ["crm:customers:read"], sensitivity: "routine" as const } } } };
}

describe("Mcp-Name value encoding", () => {
  it("decodes =?base64?…?= values before comparing them with the body, so a non-ASCII tool name is accepted", async () => {
    const { edge, upstreamCalls } = harness([withTool("créer_client")]);
    const res = await edge.handle(post(call("créer_client"), modern({ "mcp-method": "tools/call", "mcp-name": b64("créer_client") })));
    expect(res.status).toBe(200);
    expect(upstreamCalls).toHaveLength(1);
    // The encoded value must still name the body's tool.
    const other = await edge.handle(post(call("list_customers"), modern({ "mcp-method": "tools/call", "mcp-name": b64("créer_client") })));
    expect(other.status).toBe(400);
    expect((await errorOf(other)).code).toBe(-32020);
  });

  it("refuses a malformed encoded value with 400 and -32020", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    for (const v of ["=?base64?not base64!?=", "=?base64?bGlzdA?=", `=?base64?${Buffer.from([0xff, 0xfe]).toString("base64")}?=`]) {
      const res = await edge.handle(post(call("list_customers"), modern({ "mcp-method": "tools/call", "mcp-name": v })));
      expect(res.status, v).toBe(400);
      expect((await errorOf(res)).code).toBe(-32020);
      expect(audit.at(-1)?.reason).toBe("header_name_malformed");
    }
  });

  it("takes the markers literally and case-sensitively", () => {
    expect(decodeHeaderValue("list_customers")).toBe("list_customers");
    expect(decodeHeaderValue(b64("list_customers"))).toBe("list_customers");
    expect(decodeHeaderValue("=?BASE64?bGlzdA==?=")).toBe("=?BASE64?bGlzdA==?=");
    expect(decodeHeaderValue(b64("=?base64?literal?="))).toBe("=?base64?literal?=");
  });
});

describe("clients announcing 2026-07-28 or later", () => {
  it("answers GET and DELETE with 405 and Allow: POST, OPTIONS, before any token work", async () => {
    const { edge, upstreamCalls } = harness([crmConfig([key])]);
    for (const method of ["GET", "DELETE"]) {
      for (const headers of [modern(), { "mcp-protocol-version": V }]) {
        const res = await edge.handle(new Request(RESOURCE, { method, headers: { accept: "text/event-stream", ...headers } }));
        expect(res.status, method).toBe(405);
        expect(res.headers.get("allow")).toBe("POST, OPTIONS");
      }
    }
    expect(upstreamCalls).toHaveLength(0);
  });

  it("refuses batches and JSON-RPC responses with 400 -32600", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    const batch = await edge.handle(post([call("list_customers", {}, 1)], modern({ "mcp-method": "tools/call", "mcp-name": "list_customers" })));
    expect(batch.status).toBe(400);
    expect((await errorOf(batch)).code).toBe(-32600);
    expect(audit.at(-1)?.reason).toBe("body_batch_refused");
    const response = await edge.handle(post({ jsonrpc: "2.0", id: 3, result: {} }, modern()));
    expect(response.status).toBe(400);
    expect(audit.at(-1)?.reason).toBe("body_response_refused");
  });

  it("refuses a body whose _meta protocol version disagrees with MCP-Protocol-Version (400, -32020), whichever is older", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    const body = (v: string) => ({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": v } } });
    const agree = await edge.handle(post(body(V), modern({ "mcp-method": "tools/list" })));
    expect(agree.status).toBe(200);
    const newer = await edge.handle(post(body("2026-12-01"), modern({ "mcp-method": "tools/list" })));
    expect(newer.status).toBe(400);
    expect((await errorOf(newer)).code).toBe(-32020);
    expect(audit.at(-1)?.reason).toBe("header_version_mismatch");
    // An older header must not switch the 2026-07-28 header checks off for a 2026-07-28 body.
    const older = await edge.handle(post(body(V), { ...bearer(t), "mcp-protocol-version": "2025-11-25" }));
    expect(older.status).toBe(400);
  });
});

describe("clients of earlier revisions", () => {
  it("keep GET streams, DELETE, batches and responses as before", async () => {
    const { edge } = harness([crmConfig([key])]);
    for (const version of ["2025-11-25", "2025-06-18", "2025-03-26", null]) {
      const v: Record<string, string> = version ? { "mcp-protocol-version": version } : {};
      expect((await edge.handle(new Request(RESOURCE, { headers: { ...bearer(t), ...v, accept: "text/event-stream" } }))).status).toBe(200);
      expect((await edge.handle(new Request(RESOURCE, { method: "DELETE", headers: { ...bearer(t), ...v, "mcp-session-id": "s" } }))).status).toBe(200);
      expect((await edge.handle(post([call("list_customers", {}, 1), call("get_customer", {}, 2)], { ...bearer(t), ...v }))).status).toBe(200);
      expect((await edge.handle(post({ jsonrpc: "2.0", id: 3, result: {} }, { ...bearer(t), ...v }))).status).toBe(200);
    }
  });
});

describe("origins", () => {
  const loopback = () => {
    const c = crmConfig([key]);
    return { ...c, resource: "http://127.0.0.1:8931/crm", audiences: ["http://127.0.0.1:8931/crm"], allowedOrigins: [] };
  };
  const at = (url: string, headers: Record<string, string>) => post(call("list_customers"), { ...bearer(mint(key, { aud: "http://127.0.0.1:8931/crm" })), ...headers }, url);

  it("always allows the server's own origin, and refuses foreign ones with 403", async () => {
    const { edge } = harness([crmConfig([key], { allowedOrigins: [] })]);
    expect((await edge.handle(post(call("list_customers"), { ...bearer(t), origin: "https://mcp.example.com" }))).status).toBe(200);
    for (const origin of ["https://evil.example", "https://mcp.example.com.evil.example", "http://mcp.example.com", "null"]) {
      expect((await edge.handle(post(call("list_customers"), { ...bearer(t), origin }))).status, origin).toBe(403);
    }
  });

  it("on a loopback server allows its loopback aliases and a loopback origin equal to the Host it was sent to, and refuses a rebinding host", async () => {
    const { edge } = harness([loopback()]);
    const url = "http://127.0.0.1:8931/crm";
    for (const origin of ["http://127.0.0.1:8931", "http://localhost:8931", "http://[::1]:8931"]) {
      expect((await edge.handle(at(url, { origin }))).status, origin).toBe(200);
    }
    // A loopback proxy in front of the edge forwards Host and Origin unchanged (the conformance suite does this).
    expect((await edge.handle(at(url, { host: "127.0.0.1:40123", origin: "http://127.0.0.1:40123" }))).status).toBe(200);
    expect((await edge.handle(at(url, { host: "localhost:40123", origin: "http://localhost:40123" }))).status).toBe(200);
    // DNS rebinding: a foreign name in Host and Origin, or a loopback Origin that is not the Host.
    for (const [host, origin] of [["evil.example.com", "http://evil.example.com"], ["127.0.0.1:40123", "http://127.0.0.1:40124"], ["127.0.0.1:40123", "http://localhost:6666"], ["127.0.0.1.evil.example", "http://127.0.0.1.evil.example"]] as const) {
      expect((await edge.handle(at(url, { host, origin }))).status, `${host} ${origin}`).toBe(403);
    }
    // The preflight follows the same rule.
    const pre = await edge.handle(new Request(url, { method: "OPTIONS", headers: { host: "127.0.0.1:40123", origin: "http://127.0.0.1:40123" } }));
    expect(pre.status).toBe(204);
  });

  it("does not extend the loopback rule to a public server", async () => {
    const { edge } = harness([crmConfig([key], { allowedOrigins: [] })]);
    expect((await edge.handle(post(call("list_customers"), { ...bearer(t), host: "127.0.0.1:8931", origin: "http://127.0.0.1:8931" }))).status).toBe(403);
  });
});
