/**
 * What a target expresses natively and what it leaves to the edge (or cannot do). Every declared
 * policy appears in a target's report: either mapped, or with who enforces it instead.
 */
export type CapabilitySupport =
  /** The IdP enforces it itself. */
  | "native"
  /** The IdP cannot; the edge enforces it on every request (e.g. maximum token age via `iat`). */
  | "edge"
  /** The IdP does part of it; `how` says which part and who does the rest. */
  | "partial"
  /** Neither the IdP nor the edge can enforce it; `how` says what the platform team must do. */
  | "unsupported";

export interface Capability {
  /** Stable id of the declared policy, e.g. `per-scope-lifetime`, `rfc8707-resource`, `dcr`. */
  readonly id: string;
  /** Short human label, e.g. "Access-token lifetime per sensitivity". */
  readonly policy: string;
  readonly support: CapabilitySupport;
  /** One or two sentences: the mechanism, or the gap and the workaround. */
  readonly how: string;
}

/** Shorthand for a report entry: `capability(id, policy, support, how)`. */
export const capability = (id: string, policy: string, support: CapabilitySupport, how: string): Capability => ({ id, policy, support, how });

export interface CapabilityReport {
  readonly target: "okta" | "auth0" | "entra" | "local" | "aws";
  readonly items: readonly Capability[];
}

const SUPPORT_LABEL: Record<CapabilitySupport, string> = {
  native: "native",
  edge: "edge enforces",
  partial: "partial",
  unsupported: "not supported",
};

/**
 * Renders reports as one markdown table, a row per policy id and a column per target (README).
 * With `detail: false` each cell holds only the support label; the full text lives in each target's doc.
 */
export function renderCapabilityTable(reports: readonly CapabilityReport[], opts: { detail?: boolean } = {}): string {
  const detail = opts.detail ?? true;
  const ids: string[] = [];
  const labels = new Map<string, string>();
  for (const r of reports) for (const c of r.items) if (!labels.has(c.id)) (ids.push(c.id), labels.set(c.id, c.policy));
  const head = `| policy | ${reports.map((r) => r.target).join(" | ")} |\n|---|${reports.map(() => "---").join("|")}|`;
  const rows = ids.map((id) => {
    const cells = reports.map((r) => {
      const c = r.items.find((x) => x.id === id);
      if (!c) return "—";
      return detail ? `${SUPPORT_LABEL[c.support]}: ${c.how.replace(/\|/g, "\\|")}` : SUPPORT_LABEL[c.support];
    });
    return `| ${labels.get(id)} | ${cells.join(" | ")} |`;
  });
  return [head, ...rows].join("\n");
}
