import type { KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { jwtVerify } from "jose";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { McpAuthPlan, PlanServer } from "../plan/schema.js";
import { runDemoTool, seedStore, type DemoStore } from "./demo-data.js";
import { readBodyText } from "../front/body.js";

/**
 * A demo MCP server (official `@modelcontextprotocol/sdk`, streamable HTTP, stateless) that
 * implements every tool, resource and prompt of a plan over in-memory data. One HTTP listener
 * serves every plan server at `/<server name>`; it does no authorization itself: it sits behind the
 * edge, on loopback, as the edge's gateway upstream.
 */

export interface DemoMcpServerOptions {
  plan: McpAuthPlan;
  /** Default `127.0.0.1`. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * The edge's public assertion key. When given, every request must carry a valid identity
   * assertion (`mcp-edge-assertion`, ES256, `aud` = this server's URL): the demo only trusts the edge.
   */
  assertionPublicKey?: KeyObject;
  /** Expected assertion `iss` per server (the edge's resource URI); read at request time. */
  assertionIssuer?: (serverName: string) => string | undefined;
}

export interface DemoMcpServer {
  /** e.g. `http://127.0.0.1:9402` */
  url: string;
  port: number;
  /** The upstream URL for one plan server (`<url>/<name>`). */
  urlFor(serverName: string): string;
  /** The shared in-memory data (tests inspect it). */
  store: DemoStore;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
/** Header carrying the edge's identity assertion (lambda/core/assertion.ts). */
const ASSERTION_HEADER = "mcp-edge-assertion";

const toolInput = {
  id: z.string().max(200).optional().describe("Record id (defaults to the first record)"),
  ids: z.array(z.string().max(200)).max(10).optional().describe("Record ids, e.g. [keepId, dropId] for merges"),
  fields: z.record(z.string(), z.unknown()).optional().describe("Fields to set"),
  text: z.string().max(10_000).optional().describe("Free text (note body, email subject)"),
};

/** Builds the MCP server for one plan server (a fresh instance per request: stateless transport). */
export function buildDemoMcpServer(server: PlanServer, store: DemoStore): McpServer {
  const mcp = new McpServer({ name: `${server.name}-demo`, version: "0.0.0" }, { instructions: `Demo data for ${server.displayName}; in memory, reset on restart.` });
  for (const op of server.operations) {
    const description = `${op.description ?? op.name} (needs: ${op.scopes.join(", ") || "a valid token"}; ${op.sensitivity})`;
    if (op.kind === "tool") {
      mcp.registerTool(op.name, { description, inputSchema: toolInput }, async (args) => {
        const { ok, result } = runDemoTool(store, op.name, args);
        return { isError: !ok, content: [{ type: "text", text: typeof result === "string" ? result : JSON.stringify(result, null, 2) }] };
      });
    } else if (op.kind === "resource") {
      mcp.registerResource(op.name, op.name, { description, mimeType: "application/json" }, async (uri) => {
        const noun = uri.host || uri.pathname.replace(/^\/+/, "");
        return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(store.get(noun) ?? [], null, 2) }] };
      });
    } else {
      mcp.registerPrompt(op.name, { description }, async () => ({
        messages: [{ role: "user", content: { type: "text", text: `Demo prompt '${op.name}' from ${server.displayName}.` } }],
      }));
    }
  }
  return mcp;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  return JSON.parse(await readBodyText(req, MAX_BODY, "request body"));
}

function jsonRpcError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

/** Starts the demo server. Throws `EADDRINUSE` unchanged. */
export async function startDemoMcpServer(opts: DemoMcpServerOptions): Promise<DemoMcpServer> {
  const host = opts.host ?? "127.0.0.1";
  const store = seedStore();
  const byName = new Map(opts.plan.servers.map((s) => [s.name, s]));
  let url = "";
  const http = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://demo").pathname.replace(/\/+$/, "");
    const server = byName.get(decodeURIComponent(path.slice(1)));
    if (!server) return jsonRpcError(res, 404, `no demo MCP server at '${path}'; known: ${[...byName.keys()].map((n) => `/${n}`).join(", ")}`);
    // Stateless streamable HTTP: no session, so no GET stream and no DELETE.
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" });
      return res.end();
    }
    // The SDK this demo is built on speaks protocol revisions up to its LATEST_PROTOCOL_VERSION;
    // a request announcing a newer revision is answered as that latest one (documented demo limit).
    const announced = req.headers["mcp-protocol-version"];
    if (typeof announced === "string" && !SUPPORTED_PROTOCOL_VERSIONS.includes(announced) && announced > LATEST_PROTOCOL_VERSION) {
      req.headers["mcp-protocol-version"] = LATEST_PROTOCOL_VERSION;
      for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === "mcp-protocol-version") req.rawHeaders[i + 1] = LATEST_PROTOCOL_VERSION;
    }
    void (async () => {
      try {
        if (opts.assertionPublicKey) {
          const assertion = req.headers[ASSERTION_HEADER];
          const audience = `${url}/${encodeURIComponent(server.name)}`;
          const ok = typeof assertion === "string" && (await jwtVerify(assertion, opts.assertionPublicKey, { audience, issuer: opts.assertionIssuer?.(server.name) ?? server.resource, algorithms: ["ES256"] }).then(() => true, () => false));
          if (!ok) return jsonRpcError(res, 401, "missing or invalid edge identity assertion: the demo MCP server only accepts requests forwarded by the edge");
        }
        const body = await readJson(req);
        const mcp = buildDemoMcpServer(server, store);
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
        res.on("close", () => {
          void transport.close();
          void mcp.close();
        });
        await mcp.connect(transport);
        await transport.handleRequest(req, res, body);
      } catch (err) {
        if (!res.headersSent) jsonRpcError(res, 400, (err as Error).message);
        else res.end();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.port ?? 0, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    urlFor: (name) => `${url}/${encodeURIComponent(name)}`,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
