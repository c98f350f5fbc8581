import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEdge, type LocalEdge } from "../../lambda/adapters/local.js";
import { call, crmConfig, mint, NOW_MS, rsaKey } from "./helpers.js";

const key = rsaKey();
let upstream: Server;
let edge: LocalEdge;
const seen: Array<{ auth: string | undefined; assertion: string | undefined; xff: string | undefined }> = [];
let release: () => void = () => undefined;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push({ auth: req.headers.authorization, assertion: req.headers["mcp-edge-assertion"] as string | undefined, xff: req.headers["x-forwarded-for"] as string | undefined });
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"first":true}}\n\n');
      // The second event only comes after the test has read the first: proves no buffering.
      release = () => res.end('event: message\ndata: {"jsonrpc":"2.0","id":2,"result":{"second":true}}\n\n');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  const port = (upstream.address() as AddressInfo).port;
  const cfg = crmConfig([key], { upstream: `http://127.0.0.1:${port}/mcp`, resource: "https://mcp.example.com/crm" });
  edge = await startLocalEdge({ configs: [cfg], now: () => NOW_MS, audit: () => undefined, log: () => undefined });
});
afterAll(async () => {
  await edge?.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

describe("local node:http adapter", () => {
  it("binds loopback on an ephemeral port and serves metadata", async () => {
    expect(edge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${edge.url}/.well-known/oauth-protected-resource/crm`);
    expect(((await res.json()) as { resource: string }).resource).toBe("https://mcp.example.com/crm");
  });

  it("streams SSE from the upstream unbuffered, without the client's token, with the source IP", async () => {
    const res = await fetch(`${edge.url}/crm`, {
      method: "POST",
      headers: { authorization: `Bearer ${mint(key)}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(call("list_customers")),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"first":true');
    release();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain('"second":true');
    expect(seen.at(-1)).toMatchObject({ auth: undefined, xff: "127.0.0.1" });
    expect(seen.at(-1)!.assertion).toMatch(/^ey/);
  });

  it("refuses two Authorization headers that node would otherwise de-duplicate", async () => {
    const t = mint(key);
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${edge.url}/crm`);
      const body = JSON.stringify(call("list_customers"));
      const req = httpRequest({ host: u.hostname, port: u.port, path: "/crm", method: "POST", headers: [["authorization", `Bearer ${t}`], ["authorization", `Bearer ${t}`], ["content-type", "application/json"], ["content-length", String(Buffer.byteLength(body))]] as unknown as Record<string, string> }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(status).toBe(400);
  });
});
