import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../../components/plan/compile.js";
import { buildSecurityReport, renderReportMarkdown, summarizeAuditRecords } from "../../components/report/index.js";
import type { CapabilityReport } from "../../components/targets/capabilities.js";
import { AuditChain, verifyAuditChain } from "../../lambda/core/audit.js";
import { crmDeclaration } from "../diff/fixtures/cases.js";

/**
 * Golden tests for `pulumi-mcp-auth report`: the frozen CRM declaration with a fixed capability
 * report renders byte for byte as test/report/golden/*. After an intended change run
 *   UPDATE_GOLDEN=1 npx vitest run test/report
 * and review the golden files like any other code.
 */
const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "golden");
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";

function golden(file: string, actual: string): void {
  const p = path.join(GOLDEN_DIR, file);
  if (UPDATE) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(p, actual);
    return;
  }
  if (!existsSync(p)) throw new Error(`missing golden file ${file}; run UPDATE_GOLDEN=1 npx vitest run test/report`);
  expect(actual, `${file} differs from the golden file; if intended, run UPDATE_GOLDEN=1 npx vitest run test/report`).toBe(readFileSync(p, "utf8"));
}

/** A fixed IdP report, so the goldens do not move when a target's wording changes. */
const IDP: CapabilityReport = {
  target: "okta",
  items: [
    { id: "reconsent-cadence", policy: "Re-consent cadence (days)", support: "unsupported", how: "Consent grants do not expire." },
    { id: "consent-per-action", policy: "Per-action consent (critical)", support: "unsupported", how: "Consent is remembered." },
    { id: "immediate-revocation", policy: "Immediate revocation", support: "edge", how: "The edge introspects." },
  ],
};

const crm = () => compile(crmDeclaration());

describe("security report", () => {
  it("renders the CRM plan as the golden Markdown and JSON", () => {
    const r = buildSecurityReport({ plan: crm(), capabilities: [IDP] });
    golden("crm.md", renderReportMarkdown(r));
    golden("crm.json", `${JSON.stringify(r, null, 2)}\n`);
  });

  it("gives byte-identical output for the same plan whatever the order of its arrays", () => {
    const plan = crm();
    const again = crm();
    again.tiers.reverse();
    again.groups.reverse();
    const a = renderReportMarkdown(buildSecurityReport({ plan, capabilities: [IDP] }));
    const b = renderReportMarkdown(buildSecurityReport({ plan: again, capabilities: [IDP] }));
    expect(b).toBe(a);
  });

  it("lists every operation under the scopes it needs and every tier that may hold a scope", () => {
    const r = buildSecurityReport({ plan: crm(), capabilities: [IDP] });
    const exp = r.taxonomy.find((t) => t.scope === "crm:customers:export")!;
    expect(exp.sensitivity).toBe("high");
    expect(exp.operations).toEqual(["crm/tool export_customers"]);
    const held = r.holdings.find((h) => h.server === "crm" && h.scope === "crm:customers:export")!;
    expect(held.tiers).toEqual(["cimd", "verified"]);
    const billing = r.holdings.find((h) => h.server === "crm-admin" && h.scope === "crm:billing:write")!;
    expect(billing).toMatchObject({ sensitivity: "critical", tiers: ["verified"] });
    expect(held.groups).toEqual(["sales-ops"]);
  });

  it("marks re-consent cadence a gap when the IdP cannot expire consent and the server is not behind the front", () => {
    const r = buildSecurityReport({ plan: crm(), capabilities: [IDP] });
    const cc62 = r.controls.find((c) => c.id === "CC6.2")!;
    const cadence = cc62.statements.filter((s) => s.text.startsWith("Consent to high scopes on 'crm'"));
    expect(cadence).toHaveLength(1);
    expect(cadence[0]!.status).toBe("gap");
    expect(cadence[0]!.evidence).toContain("servers[crm].consent.reconsentDays.high");
    expect(r.gaps.map((g) => g.control)).toContain("CC6.2");
  });

  it("marks it met when the IdP enforces the cadence itself", () => {
    const native: CapabilityReport = { target: "auth0", items: IDP.items.map((i) => ({ ...i, support: "native" as const })) };
    const r = buildSecurityReport({ plan: crm(), capabilities: [native] });
    const cc62 = r.controls.find((c) => c.id === "CC6.2")!;
    expect(cc62.statements.filter((s) => s.text.startsWith("Consent to")).every((s) => s.status === "met")).toBe(true);
  });

  it("cites a gap for a critical scope that is not revocable at once", () => {
    const plan = crm();
    const admin = plan.servers.find((s) => s.name === "crm-admin")!;
    admin.immediateRevocation = [];
    const r = buildSecurityReport({ plan, capabilities: [IDP] });
    const gap = r.controls.find((c) => c.id === "CC7.3")!.statements.find((s) => s.status === "gap")!;
    expect(gap.text).toContain("crm:billing:write");
    expect(gap.evidence).toEqual(["servers[crm-admin].immediateRevocation"]);
  });
});

describe("observe mode in the report", () => {
  it("makes a server in observe mode a CC6.1 gap citing its enforcement field", () => {
    const decl = crmDeclaration();
    decl.servers.find((s) => s.name === "crm")!.enforcement = "observe";
    const r = buildSecurityReport({ plan: compile(decl), capabilities: [IDP] });
    const g = r.controls.find((c) => c.id === "CC6.1")!.statements.find((s) => s.status === "gap")!;
    expect(g.text).toContain("'crm' runs in observe mode");
    expect(g.evidence).toEqual(["servers[crm].enforcement"]);
  });
});

describe("audit evidence in the report", () => {
  function records(n: number): string[] {
    const lines: string[] = [];
    const chain = new AuditChain((line) => void lines.push(line), "chain-1");
    for (let i = 0; i < n; i++) chain.write({ server: "crm", decision: i % 3 === 0 ? "deny" : "allow", status: i % 3 === 0 ? 403 : 200, reason: i % 3 === 0 ? "insufficient_scope" : "ok" }, Date.UTC(2026, 11, 1, 0, i));
    return lines;
  }

  it("summarizes decisions and denials, and records a verified chain as met", () => {
    const lines = records(9);
    const a = summarizeAuditRecords(lines, verifyAuditChain(lines));
    expect(a).toMatchObject({ records: 9, chains: 1, verified: true, decisions: { allow: 6, deny: 3 }, denialsByReason: [{ reason: "insufficient_scope", count: 3 }] });
    const r = buildSecurityReport({ plan: crm(), capabilities: [IDP], audit: a });
    expect(r.controls.find((c) => c.id === "CC7.2")!.statements.at(-1)).toMatchObject({ status: "met" });
  });

  it("turns an edited record into a CC7.2 gap naming the problem", () => {
    const lines = records(5);
    lines[3] = lines[3]!.replace('"insufficient_scope"', '"ok"').replace('"deny"', '"allow"');
    const a = summarizeAuditRecords(lines, verifyAuditChain(lines));
    expect(a.verified).toBe(false);
    const r = buildSecurityReport({ plan: crm(), capabilities: [IDP], audit: a });
    const last = r.controls.find((c) => c.id === "CC7.2")!.statements.at(-1)!;
    expect(last.status).toBe("gap");
    expect(last.text).toMatch(/prev_mismatch/);
    expect(renderReportMarkdown(r)).toContain("chain verification: **failed**");
  });

  it("does not claim that an export checked without its signed checkpoints has no cut tail", () => {
    const lines = records(9);
    // The last three records cut: the hash chain of what is left still verifies.
    const cut = lines.slice(0, 6);
    const a = summarizeAuditRecords(cut, verifyAuditChain(cut));
    expect(a.verified).toBe(true);
    const last = buildSecurityReport({ plan: crm(), capabilities: [IDP], audit: a }).controls.find((c) => c.id === "CC7.2")!.statements.at(-1)!;
    expect(last.status).toBe("met");
    expect(last.text).not.toMatch(/truncation/);
    expect(last.text).toContain("audit verify --checkpoints");
  });

  it("makes an export that holds no audit record a CC7.2 gap, not verified evidence", () => {
    // What `report --audit` gets from a file with only other lines (or a wrong file): no record, nothing to verify.
    const a = summarizeAuditRecords([], verifyAuditChain([]));
    expect(a).toMatchObject({ records: 0, verified: false });
    const r = buildSecurityReport({ plan: crm(), capabilities: [IDP], audit: a });
    const last = r.controls.find((c) => c.id === "CC7.2")!.statements.at(-1)!;
    expect(last.status).toBe("gap");
    expect(last.text).toContain("holds no audit record");
    expect(renderReportMarkdown(r)).not.toContain("chain verification: ok");
  });

  it("counts would-be denials of observe-mode servers by server and reason", () => {
    const lines = [
      JSON.stringify({ v: 1, chain: "c", seq: 0, prev: "genesis", server: "crm", decision: "allow", would: "deny", reason: "insufficient_scope", status: 200 }),
      JSON.stringify({ v: 1, chain: "c", seq: 1, prev: "x", server: "crm", decision: "allow", would: "deny", reason: "insufficient_scope", status: 200 }),
    ];
    const a = summarizeAuditRecords(lines, { ok: true, chains: 1, problems: [] });
    expect(a.wouldDeny).toEqual([{ server: "crm", reason: "insufficient_scope", count: 2 }]);
  });
});
