import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuditRecord } from "../../lambda/core/audit.js";
import type { LogEntry } from "../../lambda/core/authorize.js";
import { createEdge, type EdgeOptions } from "../../lambda/core/edge.js";
import type { EdgeConfig } from "../../lambda/config.js";
import { compile } from "../../components/plan/compile.js";
import { edgeConfigFor } from "../../components/edge-config.js";
import crm from "../../stacks/crm/mcp-auth.js";

/** Fixed clock for every edge test: 2026-11-23T12:00:00Z. */
export const NOW_MS = Date.UTC(2026, 10, 23, 12, 0, 0);
export const NOW = NOW_MS / 1000;
export const ISSUER = "https://idp.example.com/";
export const RESOURCE = "https://mcp.example.com/crm";
export const ADMIN_RESOURCE = "https://mcp.example.com/crm-admin";

export interface TestKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: Record<string, unknown>;
}

export function rsaKey(kid = "rsa-1"): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { kid, alg: "RS256", privateKey, publicKey, jwk: { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" } };
}
export function ecKey(kid = "ec-1"): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid, alg: "ES256", privateKey, publicKey, jwk: { ...publicKey.export({ format: "jwk" }), kid, alg: "ES256", use: "sig" } };
}

export const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

/** Signs arbitrary header/payload text (so tests can craft anything, e.g. duplicate members). */
export function signRaw(headerText: string, payloadText: string, key: TestKey, alg: string = key.alg): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  const hash = alg === "ES256" ? "sha256" : alg.endsWith("384") ? "sha384" : alg.endsWith("512") ? "sha512" : "sha256";
  const sig = sign(hash, Buffer.from(input), alg.startsWith("ES") ? { key: key.privateKey, dsaEncoding: "ieee-p1363" } : key.privateKey);
  return `${input}.${sig.toString("base64url")}`;
}

/** A valid access token for the CRM server unless overridden. */
export function mint(key: TestKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
  const payload = { iss: ISSUER, aud: RESOURCE, sub: "alice", client_id: "claude-desktop", iat: NOW - 60, exp: NOW + 600, scope: "crm:customers:read", jti: "jti-1", ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete (payload as Record<string, unknown>)[k];
  return signRaw(JSON.stringify({ alg: key.alg, kid: key.kid, typ: "at+jwt", ...header }), JSON.stringify(payload), key);
}

export const plan = compile(crm);

/** The CRM server's edge config with a JWKS snapshot (no network). */
export function crmConfig(keys: TestKey[], over: Partial<EdgeConfig> = {}, server = "crm"): EdgeConfig {
  const c = edgeConfigFor(plan, server, {
    issuer: ISSUER,
    jwksUri: "https://idp.example.com/.well-known/jwks.json",
    jwks: { keys: keys.map((k) => k.jwk as { kty: string }) },
    tokenTypes: ["at+jwt"],
    upstream: server === "crm" ? "http://upstream.test/mcp" : "http://upstream.test/admin",
    ...(server === "crm-admin" ? { introspection: { endpoint: "https://idp.example.com/introspect", clientId: "edge", cacheSeconds: 5 } } : {}),
  });
  return { ...c, ...over };
}

/** Captures audit records and operator logs, and serves a fake upstream. */
export function harness(configs: EdgeConfig[], opts: EdgeOptions & { clock?: { ms: number } } = {}) {
  const audit: AuditRecord[] = [];
  const lines: string[] = [];
  const logs: LogEntry[] = [];
  const upstreamCalls: Request[] = [];
  const clock = opts.clock ?? { ms: NOW_MS };
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (req.url.startsWith("http://upstream.test")) {
      upstreamCalls.push(req);
      return new Response(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { ok: true } }), { headers: { "content-type": "application/json" } });
    }
    throw new Error(`unexpected fetch ${req.url}`);
  }) as typeof fetch;
  const edge = createEdge(configs, {
    now: () => clock.ms,
    fetch: fetchImpl,
    audit: (r, l) => {
      audit.push(r);
      lines.push(l);
    },
    log: (e) => logs.push(e),
    ...opts,
  });
  return { edge, audit, lines, logs, upstreamCalls, clock };
}

export function call(tool: string, args: Record<string, unknown> = {}, id = 1) {
  return { jsonrpc: "2.0", id, method: "tools/call", params: { name: tool, arguments: args } };
}

/** A POST to the MCP endpoint. */
export function post(body: unknown, headers: Record<string, string> = {}, url = RESOURCE): Request {
  return new Request(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
export const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** Parses `WWW-Authenticate: Bearer k="v", …` into a map (handles escaped quotes). */
export function parseChallenge(h: string | null): Record<string, string> {
  if (!h) return {};
  const out: Record<string, string> = {};
  const re = /([a-z_]+)="((?:[^"\\]|\\.)*)"/g;
  for (const m of h.replace(/^Bearer /, "").matchAll(re)) out[m[1]!] = m[2]!.replace(/\\(.)/g, "$1");
  return out;
}

/**
 * A real upstream on 127.0.0.1 for gateway tests: reads each request's body whole, then calls
 * `onRequest` with it. `url` is the server's `/mcp` URL.
 */
export async function startUpstream(onRequest: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => onRequest(req, res, Buffer.concat(chunks).toString()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` };
}
