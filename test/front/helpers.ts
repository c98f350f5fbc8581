/** Shared helpers for the front's end-to-end tests (loopback stack, official SDK client). */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type CryptoKey, type KeyObject } from "jose";
import { createFront, type Front, type FrontOptions } from "../../components/front/front.js";
import { createMemoryStore } from "../../components/front/store/memory.js";
import { devPlan } from "../../components/local/dev-plan.js";
import type { DevStack } from "../../components/local/dev-stack.js";
import { jwtClaims } from "../local/browser.js";
import { crmPlan } from "../local/fixtures.js";

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

/**
 * An authorization front for the CRM dev plan on a loopback `node:http` server (issuer
 * `http://127.0.0.1:<port>`), with a fresh RS256 signing key and the `nightly-digest` agent's
 * ES256 key; returns the agent's private key for client assertions. `over` replaces options.
 */
export async function serveCrmFront(over: Partial<FrontOptions> = {}): Promise<{ issuer: string; front: Front; agentKey: CryptoKey | KeyObject; close(): Promise<void> }> {
  let handle: NonNullable<Parameters<typeof createServer>[1]> = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const agent = await generateKeyPair("ES256", { extractable: true });
  const front = await createFront({
    plan: devPlan(crmPlan(), "http://127.0.0.1:1"),
    issuer,
    signingKey: { ...(await exportJWK(privateKey)), kid: "k1", alg: "RS256" },
    cookieKeys: [randomBytes(32).toString("base64url")],
    store: createMemoryStore(),
    upstream: { issuer: "https://example.okta.com", clientId: "front" },
    edgeClient: { id: "edge", secret: randomBytes(32).toString("base64url") },
    clientCredentials: { "nightly-digest": { publicJwk: { ...(await exportJWK(agent.publicKey)), kid: "a1", alg: "ES256" } } },
    ...over,
  });
  handle = front.handle;
  return { issuer, front, agentKey: agent.privateKey, close: () => new Promise<void>((r) => server.close(() => r())) };
}
