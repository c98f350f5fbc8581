import { describe, expect, it } from "vitest";
import { DeclarationError, compile, serializePlan, McpAuthPlanSchema, type McpAuthDeclarationInput } from "../../components/index.js";
import { findImplicationCycles, implicationClosure } from "../../components/plan/closure.js";
import crm from "../../stacks/crm/mcp-auth.js";
import { base } from "../fixtures/declarations/_base.js";
import { deepShuffle, prng } from "./helpers.js";

describe("compile determinism", () => {
  it("gives byte-identical output for the same declaration compiled twice", () => {
    expect(serializePlan(compile(crm))).toBe(serializePlan(compile(structuredClone(crm))));
  });

  it("gives byte-identical output when every object key and array of the declaration is shuffled", () => {
    const reference = serializePlan(compile(crm));
    for (let seed = 1; seed <= 25; seed++) {
      expect(serializePlan(compile(deepShuffle(crm, prng(seed)))), `seed ${seed}`).toBe(reference);
    }
  });

  it("produces a plan that validates against the plan schema and ends with a newline", () => {
    const text = serializePlan(compile(crm));
    expect(text.endsWith("}\n")).toBe(true);
    expect(McpAuthPlanSchema.safeParse(JSON.parse(text)).success).toBe(true);
  });

  it("does not modify the declaration it compiles", () => {
    const copy = structuredClone(crm);
    compile(copy);
    expect(copy).toEqual(crm);
  });
});

describe("implication closure", () => {
  it("grants a scope itself plus everything it implies, transitively", () => {
    const closure = implicationClosure(
      new Map([
        ["a:b:admin_write", ["a:b:write"]],
        ["a:b:write", ["a:b:read"]],
        ["a:b:read", []],
      ]),
    );
    expect(closure.get("a:b:admin_write")).toEqual(["a:b:admin_write", "a:b:read", "a:b:write"]);
    expect(closure.get("a:b:read")).toEqual(["a:b:read"]);
  });

  it("puts the closure into plan scopes and group grants", () => {
    const plan = compile(crm);
    expect(plan.scopes.find((s) => s.name === "crm:billing:write")?.grants).toEqual(["crm:billing:read", "crm:billing:write"]);
    const reps = plan.groups.find((g) => g.name === "sales-reps")!;
    expect(reps.grants).toContain("crm:customers:read");
    expect(reps.scopes).not.toContain("crm:customers:read");
  });

  it("rejects an implication cycle and names every scope on it", () => {
    const d = base();
    d.scopes["notes:pages:read"] = { description: "Read pages", sensitivity: "routine", implies: ["notes:pages:write"] };
    expect(() => compile(d)).toThrow(DeclarationError);
    expect(() => compile(d)).toThrow(/implication cycle notes:pages:read → notes:pages:write → notes:pages:read/);
  });

  it("rejects a scope that implies itself", () => {
    const d = base();
    d.scopes["notes:pages:delete"] = { description: "Delete pages", sensitivity: "high", implies: ["notes:pages:delete"] };
    expect(() => compile(d)).toThrow(/implication cycle notes:pages:delete → notes:pages:delete/);
  });
});

describe("default consent classification", () => {
  const server = (d: McpAuthDeclarationInput) => compile(d).servers[0]!;

  it("makes routine scopes mandatory and high or critical scopes step-up when nothing is declared", () => {
    expect(server(base()).consent).toMatchObject({
      mandatory: ["notes:pages:read", "notes:pages:write"],
      optional: [],
      stepUp: ["notes:pages:delete"],
      reconsentDays: { high: 90, critical: 30 },
    });
  });

  it("keeps routine scopes declared optional out of the mandatory set", () => {
    const d = base();
    d.servers = [{ ...d.servers[0]!, consent: { optional: ["notes:pages:write"] } }];
    expect(server(d).consent).toMatchObject({ mandatory: ["notes:pages:read"], optional: ["notes:pages:write"], stepUp: ["notes:pages:delete"] });
  });

  it("never advertises offline_access as mandatory", () => {
    const d = base();
    d.scopes.offline_access = { description: "Refresh tokens", sensitivity: "routine" };
    d.servers = [{ ...d.servers[0]!, consent: { mandatory: ["notes:pages:read", "offline_access"] } }];
    expect(server(d).consent.mandatory).toEqual(["notes:pages:read"]);
  });

  it("classifies the CRM example: reads mandatory, writes optional, high and critical step-up", () => {
    const plan = compile(crm);
    const crmServer = plan.servers.find((s) => s.name === "crm")!;
    expect(crmServer.consent.mandatory).toEqual(["crm:contacts:read", "crm:customers:read", "crm:deals:read", "crm:notes:read"]);
    expect(crmServer.consent.stepUp).toEqual(["crm:contacts:bulk_email", "crm:customers:delete", "crm:customers:export", "crm:customers:merge", "crm:deals:close"]);
    const admin = plan.servers.find((s) => s.name === "crm-admin")!;
    expect(admin.consent.stepUp).toEqual(["crm:billing:write", "crm:settings:write"]);
    expect(admin.immediateRevocation).toEqual(["crm:billing:write", "crm:settings:write"]);
  });
});

describe("resolved policy", () => {
  it("caps each tier's access at its maximum sensitivity plus its justified exceptions", () => {
    const plan = compile(crm);
    const access = (server: string, tier: string) => plan.servers.find((s) => s.name === server)!.access.find((a) => a.tier === tier)!.scopes;
    expect(access("crm", "cimd")).toContain("crm:deals:close");
    expect(access("crm", "cimd")).not.toContain("crm:customers:export");
    expect(access("crm", "dcr").every((s) => !s.includes("delete") && !s.includes("export"))).toBe(true);
    expect(access("crm-admin", "verified")).toContain("crm:billing:write");
    expect(access("crm", "agent")).toEqual(["crm:customers:read", "crm:deals:read", "crm:notes:read", "crm:notes:write"]);
  });

  it("takes the shorter of server and tier lifetimes", () => {
    const plan = compile(crm);
    const agent = plan.servers[0]!.access.find((a) => a.tier === "agent")!;
    expect(agent.accessTokenMinutes).toEqual({ routine: 15, high: 15, critical: 5 });
    const dcr = plan.servers[0]!.access.find((a) => a.tier === "dcr")!;
    expect(dcr.refreshToken).toEqual({ lifetimeDays: 7, rotation: true });
  });

  it("canonicalises scheme and host case and drops a default port", () => {
    const d = base();
    d.servers = [{ ...d.servers[0]!, resource: "HTTPS://MCP.Example.com:443/Notes" }];
    const s = compile(d).servers[0]!;
    expect(s.resource).toBe("https://mcp.example.com/Notes");
    expect(s.declaredResource).toBe("HTTPS://MCP.Example.com:443/Notes");
  });

  it("sorts redirect URIs, whose order carries no meaning", () => {
    const d = base();
    d.tiers.verified = { ...d.tiers.verified!, clients: [{ name: "desktop", redirectUris: ["https://b.example.com/cb", "http://127.0.0.1/cb"] }] };
    expect(compile(d).tiers.find((t) => t.name === "verified")!.clients[0]!.redirectUris).toEqual(["http://127.0.0.1/cb", "https://b.example.com/cb"]);
  });
});

describe("implication cycles at validation", () => {
  it("reports a cycle together with the declaration's other problems, each cycle once", () => {
    const d = base() as unknown as { name: string; scopes: Record<string, { description: string; sensitivity: string; implies?: string[] }> };
    d.name = "Not A Slug";
    d.scopes["notes:pages:read"]!.implies = ["notes:pages:write"];
    d.scopes["notes:pages:delete"]!.implies = ["notes:pages:delete"];
    let issues: { path: string; message: string }[] = [];
    try {
      compile(d);
    } catch (err) {
      issues = [...(err as DeclarationError).issues];
    }
    expect(issues.map((i) => i.path)).toEqual(["name", 'scopes["notes:pages:delete"].implies', 'scopes["notes:pages:read"].implies']);
    expect(issues[1]!.message).toMatch(/^implication cycle notes:pages:delete → notes:pages:delete;/);
    expect(issues[2]!.message).toMatch(/^implication cycle notes:pages:read → notes:pages:write → notes:pages:read;/);
  });

  it("finds cycles in a long chain without overflowing the stack", () => {
    const n = 50_000;
    const chain = new Map(Array.from({ length: n }, (_, i) => [`a:b:s${i}`, i + 1 < n ? [`a:b:s${i + 1}`] : ["a:b:s0"]] as [string, string[]]));
    const cycles = findImplicationCycles(chain);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(n + 1);
  });
});
