import { describe, expect, it } from "vitest";
import crm from "../../../stacks/crm/mcp-auth.js";
import { compile } from "../../../components/plan/compile.js";
import { renderCapabilityTable } from "../../../components/targets/capabilities.js";
import { ENTRA_CAPABILITIES, entraCapabilityReport } from "../../../components/targets/entra/capabilities.js";
import { entraPlanSpec } from "../../../components/targets/entra/mapping.js";

const plan = compile(crm);

describe("Entra capability report", () => {
  const report = entraCapabilityReport(plan, entraPlanSpec(plan));
  const byId = new Map(report.items.map((i) => [i.id, i]));

  it("states plainly what cannot work on Entra", () => {
    for (const id of ["dcr", "cimd", "issuer-discovery", "discovery-shim", "immediate-revocation", "consent-per-action"]) {
      expect(byId.get(id)?.support, id).toBe("unsupported");
    }
  });

  it("serves the agent tier through application permissions in roles and enforces group restrictions at the edge", () => {
    expect(byId.get("client-credentials")?.support).toBe("partial");
    expect(byId.get("client-credentials")?.how).toMatch(/roles.*no credential/s);
    expect(byId.get("groups")?.support).toBe("edge");
    expect(byId.has("tier:agent")).toBe(false);
  });

  it("reports a client-credentials tier without clients as getting nothing", () => {
    const noAgents = { ...plan, tiers: plan.tiers.map((t) => (t.name === "agent" ? { ...t, clients: [] } : t)) };
    const r = entraCapabilityReport(noAgents, entraPlanSpec(noAgents));
    expect(r.items.find((i) => i.id === "tier:agent")).toMatchObject({ support: "unsupported", how: expect.stringMatching(/declares no clients/) });
  });

  it("leaves per-sensitivity lifetimes and scope naming to the edge", () => {
    expect(byId.get("per-scope-lifetime")?.support).toBe("edge");
    expect(byId.get("scope-naming")?.support).toBe("edge");
  });

  it("reports every CRM tier that gets no client on Entra, and the critical lifetime below Entra's minimum", () => {
    expect(byId.get("tier:dcr")?.support).toBe("unsupported");
    expect(byId.get("tier:cimd")?.support).toBe("unsupported");
    expect(byId.has("tier:verified")).toBe(false);
    expect(byId.get("lifetime:crm-admin:critical")?.how).toMatch(/asks for 10.*older than 5 min/);
    expect(byId.has("lifetime:crm:high")).toBe(false);
  });

  it("has unique ids and renders as a README table", () => {
    expect(new Set(ENTRA_CAPABILITIES.map((c) => c.id)).size).toBe(ENTRA_CAPABILITIES.length);
    const table = renderCapabilityTable([report]);
    expect(table.split("\n")[0]).toBe("| policy | entra |");
    expect(table).toContain("| Dynamic client registration | not supported: Entra has no DCR.");
  });
});

describe("docs/entra.md", () => {
  it("carries the current capability table for the CRM example", async () => {
    const { readFile } = await import("node:fs/promises");
    const doc = await readFile(new URL("../../../docs/entra.md", import.meta.url), "utf8");
    expect(doc).toContain(renderCapabilityTable([entraCapabilityReport(plan, entraPlanSpec(plan))]));
  });
});
