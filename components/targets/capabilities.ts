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
  /**
   * How the authorization front (`authorization: "front"`, docs/front.md) closes a gap the IdP
   * leaves in direct mode, when it does: one sentence. Absent when the front adds nothing here.
   */
  readonly front?: string;
}

/** Shorthand for a report entry: `capability(id, policy, support, how[, front])`. */
export const capability = (id: string, policy: string, support: CapabilitySupport, how: string, front?: string): Capability => ({
  id,
  policy,
  support,
  how,
  ...(front !== undefined ? { front } : {}),
});

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

/** What a cell says about the authorization front: appended to the label, or a sentence in detail. */
const VIA_FRONT = "via the front";

/**
 * Renders reports as one markdown table, a row per policy id and a column per target (README).
 * With `detail: false` each cell holds only the support label (plus "via the front" where the
 * authorization front closes the gap); the full text lives in each target's doc.
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
      const front = c.front !== undefined;
      if (!detail) return front ? `${SUPPORT_LABEL[c.support]}; ${VIA_FRONT}` : SUPPORT_LABEL[c.support];
      const text = `${SUPPORT_LABEL[c.support]}: ${c.how}${front ? ` Via the front: ${c.front}` : ""}`;
      return text.replace(/\|/g, "\\|");
    });
    return `| ${labels.get(id)} | ${cells.join(" | ")} |`;
  });
  return [head, ...rows].join("\n");
}

/**
 * How the authorization front closes the gaps IdPs leave in direct mode (the sentence each target
 * report shows in its "via the front" cells). The front is the MCP authorization server; the IdP
 * stays the source of identity through OIDC sign-in (docs/front.md).
 */
export const VIA_THE_FRONT = {
  cimd: "the front accepts URL client ids, fetching each client ID metadata document over https with size and time limits (no private or loopback addresses) and admitting only redirect URIs on the tier's allowed domains.",
  dcr: "the front runs RFC 7591 registration capped to the DCR tier (authentication method, grant types, scopes and redirect URIs pinned to it), rate-limited per source.",
  optionalScopes: "the front's consent page shows mandatory and optional scopes apart, and the user can decline the optional ones.",
  perAction: "the front asks the user to approve each critical action, issues no refresh token carrying a critical scope and lets a critical grant live at most 5 minutes.",
  reconsent: "the front stores the date of each consent and asks again once the sensitivity's cadence has passed.",
  refreshCritical: "the front issues no refresh token carrying a critical scope, whatever the IdP does.",
  revocation: "the front revokes grants by user, admin and client, and the edge learns of a revocation within a stated bound.",
  resource: "the front issues tokens whose `aud` is the canonical resource URI the client sent as `resource` (RFC 8707).",
  discovery: "the front is an authorization server with its own issuer and RFC 8414 metadata advertising PKCE S256, so spec-strict MCP clients can discover it.",
} as const;
