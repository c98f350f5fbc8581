import { describe, expect, it } from "vitest";
import { createEdge } from "../../lambda/core/edge.js";
import { crmConfig, mint, NOW_MS, plan, RESOURCE, rsaKey } from "./helpers.js";

/** Per-caller list results: `tools/list` filtered to what the caller's token can use, marked private. */
const key = rsaKey();
const crm = plan.servers.find((s) => s.name === "crm")!;
const allTools = [...crm.operations.filter((o) => o.kind === "tool").map((o) => ({ name: o.name, inputSchema: { type: "object" } })), { name: "undeclared_tool", inputSchema: { type: "object" } }];

function edgeWith(filterLists: boolean | undefined, body: string, type = "application/json") {
  return createEdge(crmConfig([key], filterLists === undefined ? {} : { filterLists }), {
    now: () => NOW_MS,
    audit: () => undefined,
    log: () => undefined,
    fetch: async () => new Response(body, { headers: { "content-type": type } }),
  });
}
const listResult = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { tools: allTools, ttlMs: 60_000, cacheScope: "public" } });
const listCall = (scope: string) =>
  new Request(RESOURCE, {
    method: "POST",
    headers: { authorization: `Bearer ${mint(key, { scope })}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });

describe("per-caller tool lists", () => {
  it("lists only the tools the token can call, including through implications, and marks the result private", async () => {
    const res = await edgeWith(true, listResult).handle(listCall("crm:customers:write crm:deals:read"));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { tools: Array<{ name: string }>; cacheScope: string; ttlMs: number } };
    const names = body.result.tools.map((t) => t.name).sort();
    // write implies read: get/list customers; update_customer needs write; list_deals needs deals:read.
    expect(names).toEqual(["get_customer", "list_customers", "list_deals", "update_customer"]);
    expect(body.result.cacheScope).toBe("private");
    expect(body.result.ttlMs).toBe(60_000);
  });

  it("filters a list sent as a server-sent event", async () => {
    const sse = `event: message\ndata: ${listResult}\n\n`;
    const res = await edgeWith(true, sse, "text/event-stream").handle(listCall("crm:notes:read"));
    const text = await res.text();
    const data = JSON.parse(text.split("\n").find((l) => l.startsWith("data: "))!.slice(6)) as { result: { tools: Array<{ name: string }>; cacheScope: string } };
    expect(data.result.tools.map((t) => t.name)).toEqual(["list_notes"]);
    expect(data.result.cacheScope).toBe("private");
  });

  it("passes the list through untouched when filtering is off (the default)", async () => {
    const res = await edgeWith(undefined, listResult).handle(listCall("crm:notes:read"));
    expect(await res.text()).toBe(listResult);
  });

  it("refuses an upstream list it cannot read instead of passing it through unfiltered", async () => {
    const res = await edgeWith(true, "not json").handle(listCall("crm:notes:read"));
    expect(res.status).toBe(502);
  });
});
