import { describe, expect, it } from "vitest";
import type { EdgeConfig } from "../../lambda/config.js";
import { sessionHash, SessionTable } from "../../lambda/core/sessions.js";
import { createEdge } from "../../lambda/core/edge.js";
import type { AuditRecord } from "../../lambda/core/audit.js";
import { bearer, call, crmConfig, mint, NOW_MS, post, RESOURCE, rsaKey } from "./helpers.js";

/**
 * Sessions (Streamable HTTP 2025-03-26 … 2025-11-25) bound to the principal whose `initialize`
 * created them: possession of a session id is not authentication (MCP security best practices).
 */
const key = rsaKey();
const alice = mint(key, { sub: "alice" });
const mallory = mint(key, { sub: "mallory" });
const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } };

/** An edge whose upstream answers `initialize` with a fresh session id, and 404 for ended sessions. */
function stack(config: EdgeConfig = crmConfig([key]), sessions?: { max?: number; idleMs?: number }) {
  const clock = { ms: NOW_MS };
  const upstream: Request[] = [];
  const ended = new Set<string>();
  let n = 0;
  const audit: AuditRecord[] = [];
  const lines: string[] = [];
  const edge = createEdge([config], {
    now: () => clock.ms,
    audit: (r, l) => {
      audit.push(r);
      lines.push(l);
    },
    log: () => undefined,
    ...(sessions ? { sessions } : {}),
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      upstream.push(req);
      const sid = req.headers.get("mcp-session-id");
      if (sid && ended.has(sid)) return new Response(null, { status: 404 });
      if (req.method === "DELETE" && sid) ended.add(sid);
      const body = req.method === "POST" ? ((await req.json()) as { method?: string }) : {};
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (body.method === "initialize") headers["mcp-session-id"] = `session-${++n}-${"x".repeat(24)}`;
      return new Response(JSON.stringify({ jsonrpc: "2.0", id: 1, result: {} }), { headers });
    }) as typeof fetch,
  });
  const open = async (token: string) => (await edge.handle(post(initialize, bearer(token)))).headers.get("mcp-session-id")!;
  return { edge, upstream, audit, lines, clock, open };
}

const get = (token: string, sid: string) => new Request(RESOURCE, { headers: { ...bearer(token), accept: "text/event-stream", "mcp-session-id": sid } });
const del = (token: string, sid: string) => new Request(RESOURCE, { method: "DELETE", headers: { ...bearer(token), "mcp-session-id": sid } });
const use = (token: string, sid: string) => post(call("list_customers"), { ...bearer(token), "mcp-session-id": sid });

describe("sessions bound to their creator", () => {
  it("answers 404 to another user presenting Alice's session id on POST, GET and DELETE, and never reaches the upstream", async () => {
    const { edge, upstream, audit, open } = stack();
    const sid = await open(alice);
    expect(sid).toMatch(/^session-1-/);
    const before = upstream.length;
    for (const req of [use(mallory, sid), get(mallory, sid), del(mallory, sid)]) {
      const res = await edge.handle(req);
      expect(res.status, req.method).toBe(404);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32001);
      expect(audit.at(-1)).toMatchObject({ decision: "deny", reason: "session_not_owned", user: "mallory" });
    }
    expect(upstream.length).toBe(before);
    // Alice herself keeps using it, with a refreshed token too.
    expect((await edge.handle(use(alice, sid))).status).toBe(200);
    expect((await edge.handle(get(mint(key, { sub: "alice", jti: "jti-2" }), sid))).status).toBe(200);
  });

  it("checks the token's expiry, age and scopes before the session, so a refused token learns nothing about another principal's session", async () => {
    const { edge, audit, open } = stack();
    const sid = await open(alice);
    const expired = mint(key, { sub: "mallory", iat: NOW_MS / 1000 - 900, exp: NOW_MS / 1000 - 300, jti: "jti-x" });
    const res = await edge.handle(use(expired, sid));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(audit.at(-1)).toMatchObject({ decision: "deny", reason: "expired" });
    const noScope = mint(key, { sub: "mallory", scope: "crm:deals:read", jti: "jti-y" });
    const res2 = await edge.handle(use(noScope, sid));
    expect(res2.status).toBe(403);
    expect(audit.at(-1)).toMatchObject({ decision: "deny", reason: "insufficient_scope" });
    // The same requests with a valid token of another principal: 404.
    expect((await edge.handle(use(mallory, sid))).status).toBe(404);
  });

  it("binds to the client as well: the same user through another client is refused", async () => {
    const { edge, open } = stack();
    const sid = await open(alice);
    expect((await edge.handle(use(mint(key, { sub: "alice", client_id: "other-client" }), sid))).status).toBe(404);
  });

  it("forgets a session ended by DELETE, so the id can no longer be claimed by anyone at the edge", async () => {
    const { edge, open } = stack();
    const sid = await open(alice);
    expect((await edge.handle(del(alice, sid))).status).toBe(200);
    // Unknown at the edge now: the upstream answers for it (404, session ended).
    expect((await edge.handle(use(mallory, sid))).status).toBe(404);
  });

  it("lets sessions the edge never saw created pass to the upstream (another instance may have created them)", async () => {
    const { edge } = stack();
    expect((await edge.handle(use(mallory, "created-elsewhere"))).status).toBe(200);
  });

  it("writes a hash of the session id to audit records, never the id", async () => {
    const { edge, audit, lines, open } = stack();
    const sid = await open(alice);
    await edge.handle(use(alice, sid));
    await edge.handle(use(mallory, sid));
    expect(audit.at(-1)?.session).toBe(sessionHash(sid));
    expect(audit.at(-2)?.session).toBe(sessionHash(sid));
    expect(sessionHash(sid)).toMatch(/^sha256:[A-Za-z0-9_-]{22}$/);
    for (const l of lines) expect(l).not.toContain(sid);
  });
});

describe("the session table", () => {
  it("is bounded: the least recently used session is forgotten first", () => {
    const t = new SessionTable(2, 60_000);
    const as = (who: string) => () => who;
    t.bind("a", "alice", 0);
    t.bind("b", "bob", 0);
    expect(t.check("a", as("alice"), 1)).toBe("owner");
    t.bind("c", "carol", 2);
    expect(t.size).toBe(2);
    expect(t.check("b", as("mallory"), 3)).toBe("unknown");
    expect(t.check("a", as("mallory"), 3)).toBe("foreign");
    expect(t.check("c", as("carol"), 3)).toBe("owner");
    expect(t.hashOf("session-x")).toBe(sessionHash("session-x"));
  });

  it("forgets sessions idle longer than the idle time", async () => {
    const { edge, clock, open } = stack(crmConfig([key]), { idleMs: 1000 });
    const sid = await open(alice);
    clock.ms += 500;
    expect((await edge.handle(use(mallory, sid))).status).toBe(404);
    clock.ms += 1001;
    expect((await edge.handle(use(mallory, sid))).status).toBe(200);
  });
});
