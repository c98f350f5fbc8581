/** Shared helpers for the front's end-to-end tests (loopback stack, official SDK client). */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DevStack } from "../../components/local/dev-stack.js";
import { jwtClaims } from "../local/browser.js";

export { jwtClaims };

export const CLAUDE_REDIRECT = "http://127.0.0.1:33418/callback";

export const scopesOf = (token: string): string[] => String(jwtClaims(token)["scope"]).split(" ").filter(Boolean);

export const crmUrl = (stack: DevStack) => stack.servers.find((s) => s.name === "crm")!.mcpUrl;
export const adminUrl = (stack: DevStack) => stack.servers.find((s) => s.name === "crm-admin")!.mcpUrl;

/** Serves JSON documents on loopback (client ID metadata documents for CIMD tests). */
export async function serveDocuments(docs: (origin: string) => Record<string, { status?: number; headers?: Record<string, string>; body: string; delayMs?: number }>): Promise<{ origin: string; close(): Promise<void> }> {
  let table: ReturnType<typeof docs> = {};
  const server: Server = createServer((req, res) => {
    const d = table[req.url ?? "/"];
    if (!d) return void res.writeHead(404).end();
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(d.status ?? 200, { "content-type": "application/json", ...(d.headers ?? {}) });
      res.end(d.body);
    }, d.delayMs ?? 0);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  table = docs(origin);
  return { origin, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
