import { describe, expect, it } from "vitest";
import { parseEdgeConfig, type EdgeConfig } from "../../lambda/config.js";
import { compile } from "../../components/plan/compile.js";
import { edgeConfigFor } from "../../components/edge-config.js";
import { parseDeclarations } from "../../components/model/validate.js";
import crm from "../../stacks/crm/mcp-auth.js";
import { bearer, call, crmConfig, harness, ISSUER, mint, post, rsaKey } from "./helpers.js";

/**
 * Deny by default: which JSON-RPC methods pass with only a valid token, which are authorized by the
 * operation they reference, and that everything else is refused with a JSON-RPC error and no
 * Bearer challenge (no scope could make it pass, so a challenge would start a useless step-up).
 */
const key = rsaKey();
const noScope = mint(key, { scope: "" });
const rpc = (method: string, params?: Record<string, unknown>, id = 1) => ({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) });
const notify = (method: string, params?: Record<string, unknown>) => ({ jsonrpc: "2.0", method, ...(params ? { params } : {}) });

/** The CRM config plus a prompt, a resource template and a fixed resource. */
function withOps(over: Partial<EdgeConfig["operations"]> = {}, extra: Partial<EdgeConfig> = {}): EdgeConfig {
  const c = crmConfig([key]);
  return {
    ...c,
    ...extra,
    operations: {
      ...c.operations,
      prompts: { summarize_account: { scopes: ["crm:notes:read"], sensitivity: "routine" } },
      resourceTemplates: { "crm://customers/{id}": { scopes: ["crm:customers:read"], sensitivity: "routine" }, "crm://deals/{id}/notes": { scopes: ["crm:deals:read", "crm:notes:read"], sensitivity: "routine" } },
      ...over,
    },
  };
}

async function answer(edge: ReturnType<typeof harness>["edge"], body: unknown, token = noScope) {
  const res = await edge.handle(post(body, bearer(token)));
  const text = await res.text();
  return { status: res.status, challenge: res.headers.get("www-authenticate"), body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe("methods that need only a valid token", () => {
  it("forwards initialize, ping, server/discover, the list methods, notifications and (before 2026-07-28) responses for a token without scopes", async () => {
    const { edge, upstreamCalls } = harness([withOps()]);
    const ok = [
      rpc("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } }),
      rpc("ping"),
      rpc("server/discover"),
      rpc("tools/list"),
      rpc("resources/list"),
      rpc("resources/templates/list"),
      rpc("prompts/list"),
      notify("notifications/initialized"),
      notify("notifications/cancelled", { requestId: 1 }),
      { jsonrpc: "2.0", id: 9, result: { roots: [] } },
    ];
    for (const m of ok) expect((await answer(edge, m)).status, JSON.stringify(m)).toBe(200);
    expect(upstreamCalls).toHaveLength(ok.length);
  });
});

describe("deny by default", () => {
  it("refuses every other method with 403 and a JSON-RPC error, no challenge, whatever the token's scopes", async () => {
    const { edge, upstreamCalls, audit } = harness([withOps()]);
    const all = mint(key, { scope: "crm:customers:read crm:customers:write crm:deals:read crm:notes:read" });
    for (const method of ["tasks/get", "tasks/list", "tasks/result", "tasks/cancel", "subscriptions/listen", "logging/setLevel", "sampling/createMessage", "admin/shutdown", "tools/call2", "TOOLS/LIST", ""]) {
      for (const token of [noScope, all]) {
        const r = await answer(edge, rpc(method, {}), token);
        expect(r.status, method).toBe(403);
        expect(r.challenge, method).toBeNull();
        expect(r.body).toMatchObject({ jsonrpc: "2.0", error: { code: -32601 } });
        expect(audit.at(-1)).toMatchObject({ decision: "deny", reason: "method_not_allowed" });
      }
    }
    // A "notification" method sent with an id is a request the upstream would run: refused too.
    expect((await answer(edge, rpc("notifications/initialized", {}, 4))).status).toBe(403);
    expect(upstreamCalls).toHaveLength(0);
  });

  it("refuses a batch when any of its methods is refused", async () => {
    const { edge, upstreamCalls } = harness([withOps()]);
    const r = await answer(edge, [rpc("tools/list"), rpc("tasks/get", { taskId: "t" }, 2)]);
    expect(r.status).toBe(403);
    expect(upstreamCalls).toHaveLength(0);
  });
});

describe("undeclared operations", () => {
  it("answers an undeclared tool with a JSON-RPC error (method not allowed) and no Bearer challenge", async () => {
    const { edge, audit } = harness([withOps()]);
    const r = await answer(edge, call("shell_exec", { cmd: "id" }), mint(key));
    expect(r).toMatchObject({ status: 403, challenge: null, body: { error: { code: -32601 } } });
    expect(audit.at(-1)).toMatchObject({ decision: "deny", reason: "operation_not_declared", tool: "shell_exec" });
  });

  it("lets an undeclared tool through with a valid token when the config says undeclaredOperations: allow", async () => {
    const { edge } = harness([withOps({}, { undeclaredOperations: "allow" })]);
    expect((await answer(edge, call("shell_exec"), noScope)).status).toBe(200);
    // The switch is about undeclared operations only: refused methods stay refused.
    expect((await answer(edge, rpc("tasks/get", { taskId: "t" }), noScope)).status).toBe(403);
  });
});

describe("methods authorized by what they reference", () => {
  it("authorizes resources/subscribe and resources/unsubscribe with the scopes of the resource", async () => {
    const { edge } = harness([withOps()]);
    const read = mint(key, { scope: "crm:customers:read" });
    for (const method of ["resources/subscribe", "resources/unsubscribe"]) {
      const denied = await answer(edge, rpc(method, { uri: "crm://customers" }));
      expect(denied.status, method).toBe(403);
      expect(denied.challenge).toContain('error="insufficient_scope"');
      expect(denied.challenge).toContain('scope="crm:customers:read');
      expect((await answer(edge, rpc(method, { uri: "crm://customers" }), read)).status).toBe(200);
      expect((await answer(edge, rpc(method, { uri: "crm://invoices" }), read)).status).toBe(403);
      expect((await answer(edge, rpc(method, {}), read)).status).toBe(400);
    }
  });

  it("authorizes completion/complete with the scopes of the prompt or resource template it references", async () => {
    const { edge } = harness([withOps()]);
    const notes = mint(key, { scope: "crm:notes:read" });
    const prompt = rpc("completion/complete", { ref: { type: "ref/prompt", name: "summarize_account" }, argument: { name: "account", value: "ac" } });
    expect((await answer(edge, prompt)).status).toBe(403);
    expect((await answer(edge, prompt, notes)).status).toBe(200);
    const tpl = rpc("completion/complete", { ref: { type: "ref/resource", uri: "crm://customers/{id}" }, argument: { name: "id", value: "4" } });
    expect((await answer(edge, tpl, notes)).status).toBe(403);
    expect((await answer(edge, tpl, mint(key, { scope: "crm:customers:read" }))).status).toBe(200);
    const undeclared = rpc("completion/complete", { ref: { type: "ref/prompt", name: "leak_everything" }, argument: { name: "a", value: "" } });
    expect((await answer(edge, undeclared, notes)).status).toBe(403);
    for (const ref of [undefined, { type: "ref/prompt" }, { type: "ref/tool", name: "x" }, "ref/prompt"]) {
      expect((await answer(edge, rpc("completion/complete", { ref, argument: { name: "a", value: "" } }), notes)).status, JSON.stringify(ref)).toBe(400);
    }
  });

  it("authorizes resources/read of a URI a declared resource template expands to with that template's scopes", async () => {
    const { edge } = harness([withOps()]);
    const read = mint(key, { scope: "crm:customers:read" });
    expect((await answer(edge, rpc("resources/read", { uri: "crm://customers/cus_4711" }))).status).toBe(403);
    expect((await answer(edge, rpc("resources/read", { uri: "crm://customers/cus_4711" }), read)).status).toBe(200);
    expect((await answer(edge, rpc("resources/read", { uri: "crm://customers/caf%C3%A9" }), read)).status).toBe(200);
    // A level-1 variable never spans a '/', '?' or '#': these URIs match no template and are undeclared.
    for (const uri of ["crm://customers/a/b", "crm://customers/", "crm://customers/a?x=1", "crm://customers/a#f"]) {
      expect((await answer(edge, rpc("resources/read", { uri }), read)).status, uri).toBe(403);
    }
    const both = await answer(edge, rpc("resources/read", { uri: "crm://deals/d1/notes" }), read);
    expect(both.challenge).toContain('scope="crm:deals:read crm:notes:read"');
    expect((await answer(edge, rpc("resources/read", { uri: "crm://deals/d1/notes" }), mint(key, { scope: "crm:deals:read crm:notes:read" }))).status).toBe(200);
  });

  it("refuses a config whose resource template is not an RFC 6570 level-1 template, naming the field", () => {
    for (const bad of ["crm://customers/{+path}", "crm://customers/{id", "crm://customers", "crm://{a,b}", "crm://c/{id*}"]) {
      const c = withOps({ resourceTemplates: { [bad]: { scopes: ["crm:customers:read"], sensitivity: "routine" } } });
      expect(() => parseEdgeConfig(c), bad).toThrowError(/operations\.resourceTemplates: every key must be an RFC 6570 level-1 URI template/);
    }
  });
});

describe("resource templates in declarations", () => {
  const declare = (templates: Record<string, unknown>) => {
    const d = structuredClone(crm) as unknown as { servers: Array<Record<string, unknown>> };
    d.servers[0]!.resourceTemplates = templates;
    return d;
  };

  it("flow from the declaration through the plan into the edge config the edge enforces", async () => {
    const plan = compile(declare({ "crm://customers/{id}": { scopes: ["crm:customers:read"], description: "One customer" } }));
    const op = plan.servers[0]!.operations.find((o) => o.name === "crm://customers/{id}");
    expect(op).toMatchObject({ kind: "resource", template: true, scopes: ["crm:customers:read"], sensitivity: "routine" });
    // Fixed resources carry no template flag, so existing plans are unchanged.
    expect(plan.servers[0]!.operations.find((o) => o.name === "crm://customers")).not.toHaveProperty("template");
    const c = edgeConfigFor(plan, "crm", { issuer: ISSUER, jwksUri: "https://idp.example.com/jwks", jwks: { keys: [key.jwk as { kty: string }] }, tokenTypes: ["at+jwt"], upstream: "http://upstream.test/mcp" });
    expect(c.operations.resourceTemplates).toEqual({ "crm://customers/{id}": { scopes: ["crm:customers:read"], sensitivity: "routine" } });
    expect(edgeConfigFor(compile(crm), "crm", { issuer: ISSUER, jwksUri: "https://idp.example.com/jwks" }).operations).not.toHaveProperty("resourceTemplates");
    const { edge } = harness([c]);
    expect((await answer(edge, rpc("resources/read", { uri: "crm://customers/42" }), mint(key, { scope: "crm:deals:read" }))).status).toBe(403);
    expect((await answer(edge, rpc("resources/read", { uri: "crm://customers/42" }), mint(key, { scope: "crm:customers:read" }))).status).toBe(200);
  });

  it("are refused when not a level-1 URI template or naming an undeclared scope, with the path", () => {
    expect(() => parseDeclarations(declare({ "crm://files/{+path}": { scopes: ["crm:customers:read"] } }))).toThrowError(/servers\[0\]\.resourceTemplates.*RFC 6570 level-1 URI template/s);
    expect(() => parseDeclarations(declare({ "crm://customers/{id}": { scopes: ["crm:nope:read"] } }))).toThrowError('servers[0].resourceTemplates["crm://customers/{id}"].scopes[0]: scope \'crm:nope:read\' is not declared');
  });
});

describe("fuzzing methods, names and headers", () => {
  /** Deterministic PRNG (mulberry32) so a failure is reproducible. */
  function prng(seed: number) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const PROTO = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "__defineGetter__", "__lookupSetter__", "prototype", "undefined", "null"];
  const METHODS = [...PROTO, "tools/call", "resources/read", "prompts/get", "resources/subscribe", "completion/complete", "tools/list", "initialize", "notifications/initialized", "tasks/get", "subscriptions/listen", "", "tools/call ", "Tools/Call"];
  const NAMES = [...PROTO, "list_customers", "delete_customer", "crm://customers", "crm://customers/7", "summarize_account", "", "créer_client"];

  it("never answers 500 and never forwards a call the token does not cover, over 1,500 generated requests", async () => {
    const { edge, upstreamCalls, logs } = harness([withOps()]);
    const rnd = prng(0x5eed);
    const pick = <T,>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!;
    const tokenOnly = new Set(["tools/list", "initialize"]);
    for (let i = 0; i < 1500; i++) {
      const method = pick(METHODS);
      const name = pick(NAMES);
      const params: Record<string, unknown> = rnd() < 0.5 ? { name, uri: name } : { [pick(["name", "uri", "ref", pick(PROTO)])]: rnd() < 0.3 ? { type: pick(["ref/prompt", "ref/resource", "__proto__"]), name, uri: name } : name };
      const msg: Record<string, unknown> = { jsonrpc: "2.0", method, params };
      const notification = rnd() < 0.2;
      if (!notification) msg.id = i;
      const headers: Record<string, string> = { ...bearer(noScope) };
      if (rnd() < 0.5) headers["mcp-method"] = rnd() < 0.8 ? method : pick(METHODS);
      if (rnd() < 0.4) headers["mcp-name"] = rnd() < 0.5 ? name : `=?base64?${Buffer.from(name).toString("base64")}?=`;
      if (rnd() < 0.5) headers["mcp-protocol-version"] = pick(["2026-07-28", "2025-11-25", "DRAFT-x"]);
      const before = upstreamCalls.length;
      const bodyless = rnd() < 0.15;
      const res = await edge.handle(bodyless ? new Request(withOps().resource, { method: "POST", headers }) : post(msg, headers));
      expect([200, 400, 403, 404], `${i} ${method} ${JSON.stringify(params)} ${JSON.stringify(headers)}`).toContain(res.status);
      if (upstreamCalls.length > before) {
        // With a token holding no scope, only the token-only methods and notifications may pass.
        const passed = bodyless ? headers["mcp-method"]! : method;
        expect(tokenOnly.has(passed) || (passed.startsWith("notifications/") && (bodyless || notification)), `${i} forwarded ${passed}`).toBe(true);
      }
      await res.body?.cancel();
    }
    expect(logs.filter((l) => l.level === "error")).toEqual([]);
  });
});
