import { describe, expect, it } from "vitest";
import type { McpAuthDeclaration } from "../../components/model/declarations.js";
import { compile } from "../../components/plan/compile.js";
import { diffPlans } from "../../components/diff/diff.js";
import type { ChangeKind, DiffChange, PlanDiff } from "../../components/diff/types.js";
import { crmDeclaration, server, tier } from "./fixtures/cases.js";

/** Diffs the CRM example against a copy changed by `edit`. */
function diffAfter(edit: (d: McpAuthDeclaration) => void, prepare?: (d: McpAuthDeclaration) => void): PlanDiff {
  const before = crmDeclaration();
  prepare?.(before);
  const after = structuredClone(before);
  edit(after);
  return diffPlans(compile(before), compile(after));
}

const ofKind = (d: PlanDiff, kind: ChangeKind): DiffChange[] => d.changes.filter((c) => c.kind === kind);
const reachKeys = (d: PlanDiff, side: "added" | "removed") => d.reach[side].map((r) => `${r.principal.type}:${r.principal.name} ${r.server}/${r.operation}`);

describe("diffPlans", () => {
  it("reports no change and risk none for identical plans", () => {
    const d = diffAfter(() => {});
    expect(d.changes).toEqual([]);
    expect(d.reach).toEqual({ added: [], removed: [] });
    expect(d.risk).toBe("none");
    expect(d.summary).toBe("Risk: none. No change to what agents can do.");
  });

  it("classifies a lowered sensitivity as an escalation naming who holds the scope, and flags the semantic change", () => {
    const d = diffAfter((x) => void (x.scopes["crm:customers:export"]!.sensitivity = "routine"));
    const [c] = ofKind(d, "sensitivity-lowered");
    expect(c).toMatchObject({ category: "escalation", subject: "crm:customers:export", before: "high", after: "routine", severity: "high" });
    expect(c!.tiers).toEqual(["cimd", "dcr", "verified"]);
    expect(c!.groups).toEqual(["sales-ops"]);
    expect(c!.tools).toEqual(["crm/export_customers"]);
    // The dcr tier (cap routine) can now hold it and call the tool.
    expect(ofKind(d, "tier-gained-scope").map((x) => x.subject)).toEqual(["dcr: crm:customers:export"]);
    expect(reachKeys(d, "added")).toEqual(["tier:dcr crm/export_customers"]);
    expect(d.semanticChanges).toEqual([{ scope: "crm:customers:export", changed: ["sensitivity"], operationsAdded: [], operationsRemoved: [], sensitivityBefore: "high", sensitivityAfter: "routine" }]);
    expect(d.risk).toBe("high");
  });

  it("lists every operation newly reachable by a tier whose allowlist grows, reaching through implications", () => {
    const d = diffAfter((x) => void tier(x, "agent").scopes!.push("crm:contacts:write"));
    // contacts:write implies contacts:read, so list_contacts becomes reachable too.
    expect(reachKeys(d, "added")).toEqual(["tier:agent crm/list_contacts", "tier:agent crm/update_contact"]);
    expect(ofKind(d, "tier-gained-scope").map((x) => x.subject)).toEqual(["agent: crm:contacts:read", "agent: crm:contacts:write"]);
    expect(ofKind(d, "tier-weakened").map((x) => x.subject)).toEqual(["agent scopes"]);
  });

  it("treats a new tool under an existing scope as an escalation and a semantic change, and under a new scope a tier may hold as an escalation too", () => {
    const d = diffAfter((x) => {
      server(x, "crm").tools["purge_customers"] = { scopes: ["crm:customers:read"] };
      x.scopes["crm:tags:read"] = { description: "Read tags", sensitivity: "routine" };
      server(x, "crm").tools["list_tags"] = { scopes: ["crm:tags:read"] };
    });
    expect(ofKind(d, "operation-added").map((c) => [c.subject, c.category])).toEqual([
      ["crm/list_tags", "escalation"],
      ["crm/purge_customers", "escalation"],
    ]);
    expect(d.semanticChanges.map((s) => [s.scope, s.operationsAdded])).toEqual([["crm:customers:read", ["crm/purge_customers"]]]);
  });

  it("flags a tool that needs fewer scopes as an escalation and one that needs more as a reduction", () => {
    const d = diffAfter((x) => {
      server(x, "crm").tools["merge_customers"]!.scopes = ["crm:customers:write"];
      server(x, "crm").tools["close_deal"]!.scopes = ["crm:deals:close", "crm:deals:write"];
    });
    expect(ofKind(d, "operation-fewer-scopes")).toMatchObject([{ subject: "crm/merge_customers", category: "escalation", before: "crm:customers:merge, crm:customers:write", after: "crm:customers:write" }]);
    expect(ofKind(d, "operation-more-scopes")).toMatchObject([{ subject: "crm/close_deal", category: "reduction" }]);
    expect(reachKeys(d, "added")).toContain("tier:dcr crm/merge_customers");
  });

  it("counts a new implication through the closure, so scopes implying the changed one escalate too", () => {
    const d = diffAfter((x) => {
      x.scopes["crm:customers:admin"] = { description: "Administer customers", sensitivity: "high", implies: ["crm:customers:write"] };
      x.scopes["crm:customers:write"]!.implies = ["crm:customers:read", "crm:customers:delete"];
    }, (x) => void (x.scopes["crm:customers:admin"] = { description: "Administer customers", sensitivity: "high", implies: ["crm:customers:write"] }));
    expect(ofKind(d, "implication-added").map((c) => [c.subject, c.scopes, c.severity])).toEqual([
      ["crm:customers:admin", ["crm:customers:admin", "crm:customers:delete"], "high"],
      ["crm:customers:write", ["crm:customers:delete", "crm:customers:write"], "high"],
    ]);
    // Group sales-reps holds customers:write, so it can now delete customers.
    expect(reachKeys(d, "added")).toContain("group:sales-reps crm/delete_customer");
  });

  it("treats step-up → optional → mandatory as relaxed consent and the reverse as tightened", () => {
    const relaxed = diffAfter((x) => void server(x, "crm").consent!.optional!.push("crm:customers:export"));
    expect(ofKind(relaxed, "consent-relaxed")).toMatchObject([{ subject: "crm:customers:export", before: "step-up", after: "optional", severity: "high", servers: ["crm"] }]);
    const tightened = diffAfter((x) => {
      const c = server(x, "crm").consent!;
      c.optional = c.optional!.filter((s) => s !== "crm:notes:write");
      c.stepUp = ["crm:notes:write"];
    });
    expect(ofKind(tightened, "consent-tightened")).toMatchObject([{ subject: "crm:notes:write", before: "optional", after: "step-up", category: "reduction" }]);
  });

  it("reports a global lifetime change once with every server and tier whose effective value changes", () => {
    const d = diffAfter(
      (x) => void (x.tokens!.accessTokenMinutes = { routine: 60, high: 15, critical: 5 }),
      (x) => void (x.tokens!.accessTokenMinutes = { routine: 30, high: 15, critical: 5 }),
    );
    // The agent tier keeps its own 15-minute routine tokens (min of server and tier), so it is not listed.
    expect(ofKind(d, "lifetime-longer")).toMatchObject([{ subject: "access token (routine)", before: "30 min", after: "60 min", servers: ["crm", "crm-admin"], tiers: ["cimd", "dcr", "verified"] }]);
    expect(d.risk).toBe("moderate");
  });

  it("classifies a new server whose tools only need existing scopes as an escalation reaching every holder", () => {
    const d = diffAfter((x) => {
      x.servers.push({
        name: "crm-archive",
        resource: "https://mcp.example.com/crm-archive",
        displayName: "CRM archive",
        tools: { purge_archived_customers: { scopes: ["crm:customers:read"] } },
      });
    });
    expect(ofKind(d, "server-added")).toMatchObject([
      { category: "escalation", subject: "crm-archive", severity: "routine", tiers: ["agent", "cimd", "dcr", "verified"], tools: ["crm-archive/purge_archived_customers"] },
    ]);
    expect(ofKind(d, "operation-added")).toEqual([]);
    expect(d.counts.escalation).toBeGreaterThan(0);
    expect(d.risk).toBe("moderate");
  });

  it("classifies a new tool behind a new scope as an escalation once a tier may hold the scope, and neutral when none may", () => {
    const reachable = diffAfter((x) => {
      x.scopes["crm:tags:read"] = { description: "Read tags", sensitivity: "routine" };
      server(x, "crm").tools["list_tags"] = { scopes: ["crm:tags:read"] };
    });
    expect(ofKind(reachable, "operation-added")).toMatchObject([{ category: "escalation", severity: "routine", tiers: ["cimd", "dcr", "verified"] }]);
    const unreachable = diffAfter((x) => {
      x.scopes["crm:tags:purge"] = { description: "Purge tags", sensitivity: "critical" };
      server(x, "crm").tools["purge_tags"] = { scopes: ["crm:tags:purge"] };
      for (const t of Object.values(x.tiers)) t.maxSensitivity = "high";
      x.tiers["verified"]!.maxSensitivity = "high";
    });
    expect(ofKind(unreachable, "operation-added")).toMatchObject([{ category: "neutral", summary: "New tool behind new scope crm:tags:purge, which no tier or group may hold." }]);
  });

  it("treats refresh rotation switched off and an unlimited idle lifetime becoming limited in the right directions", () => {
    const d = diffAfter((x) => void (x.tokens!.refreshToken = { lifetimeDays: 30, idleDays: 7, rotation: false }));
    expect(ofKind(d, "lifetime-longer").map((c) => [c.subject, c.before, c.after])).toEqual([["refresh token rotation", "on", "off"]]);
    expect(ofKind(d, "lifetime-shorter").map((c) => [c.subject, c.before, c.after])).toEqual([["refresh token idle lifetime", "unlimited", "7 days"]]);
  });

  it("reports DCR or CIMD newly enabled on an existing tier and on a new tier", () => {
    const d = diffAfter((x) => {
      tier(x, "verified").registration = "cimd";
      x.tiers["open"] = { registration: "dcr", clientType: "public", grantTypes: ["authorization_code"], maxSensitivity: "routine" };
    });
    expect(ofKind(d, "registration-enabled").map((c) => [c.subject, c.before, c.after])).toEqual([
      ["open", "(none)", "dcr"],
      ["verified", "pre-registered", "cimd"],
    ]);
    expect(ofKind(d, "tier-added")).toMatchObject([{ subject: "open", category: "escalation", severity: "routine" }]);
  });

  it("treats an exception that only keeps a scope the tier already held as neutral, and one that adds reach as an escalation", () => {
    const kept = diffAfter((x) => {
      tier(x, "cimd").maxSensitivity = "routine";
      tier(x, "cimd").exceptions = [{ scope: "crm:deals:close", justification: "Reps close deals from their assistant." }];
    });
    expect(kept.changes.filter((c) => c.subject === "cimd exception crm:deals:close")).toMatchObject([{ kind: "tier-changed", category: "neutral" }]);
    expect(kept.counts.escalation).toBe(0);
    const added = diffAfter((x) => void (tier(x, "dcr").exceptions = [{ scope: "crm:deals:close", justification: "Reps close deals from their assistant." }]));
    expect(ofKind(added, "tier-weakened")).toMatchObject([{ subject: "dcr exception crm:deals:close", severity: "high" }]);
    expect(reachKeys(added, "added")).toEqual(["tier:dcr crm/close_deal"]);
  });

  it("gives a new redirect URI the severity of what the tier may hold", () => {
    const d = diffAfter((x) => void tier(x, "verified").clients![1]!.redirectUris!.push("https://portal.example.net/cb"));
    expect(ofKind(d, "redirect-uri-added")).toMatchObject([{ subject: "verified/internal-portal", after: "https://portal.example.net/cb", severity: "critical", category: "escalation" }]);
    expect(d.risk).toBe("critical");
  });

  it("classifies a group remapped to another IdP group as an escalation and a removed group as a reduction", () => {
    const d = diffAfter((x) => {
      x.groups!["sales-ops"]!.idpGroup = "All Staff";
      delete x.groups!["sales-reps"];
      x.dev!.users = [];
    });
    expect(ofKind(d, "group-remapped")).toMatchObject([{ subject: "sales-ops", before: "CRM Sales Ops", after: "All Staff", severity: "high" }]);
    expect(ofKind(d, "group-removed")).toMatchObject([{ subject: "sales-reps", category: "reduction" }]);
    expect(reachKeys(d, "removed").every((k) => k.startsWith("group:sales-reps "))).toBe(true);
  });

  it("does not report a new server's operations as semantic changes of the scopes they use", () => {
    const d = diffAfter((x) =>
      void x.servers.push({ name: "crm-lite", resource: "https://mcp.example.com/crm-lite", displayName: "CRM lite", tools: { list_customers: { scopes: ["crm:customers:read"] } } }),
    );
    expect(d.semanticChanges).toEqual([]);
    expect(ofKind(d, "server-added")).toMatchObject([{ subject: "crm-lite", category: "escalation", tools: ["crm-lite/list_customers"] }]);
    expect(d.counts.newlyReachable).toBeGreaterThan(0);
  });

  it("summarises counts in one line", () => {
    const d = diffAfter((x) => {
      x.scopes["crm:customers:export"]!.sensitivity = "routine";
      tier(x, "dcr").allowedRedirectUris = ["http://127.0.0.1/callback"];
    });
    expect(d.summary).toBe(
      "Risk: high. 3 escalations, 1 reduction, 0 neutral changes; 1 operation newly reachable, 0 no longer reachable; 1 scope changed meaning without a new name.",
    );
  });
});
