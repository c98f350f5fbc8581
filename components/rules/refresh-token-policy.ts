import { MAX_REFRESH_TOKEN_DAYS } from "../model/bounds.js";
import type { FindingTarget } from "./types.js";
import { defineRule, planTarget, serverTarget, tierTarget } from "./helpers.js";

export { MAX_REFRESH_TOKEN_DAYS };

/** `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`. */
const names = (xs: readonly string[]): string => {
  const q = xs.map((x) => `'${x}'`);
  return q.length <= 1 ? (q[0] ?? "") : `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]!}`;
};

export default defineRule({
  id: "refresh-token-policy",
  severity: "error",
  fix: "Set `refreshToken.lifetimeDays` ≤ 90 and keep `rotation` on for public tiers.",
  description: `Refresh tokens live at most ${MAX_REFRESH_TOKEN_DAYS} days (every server and tier), and public-client tiers that use refresh tokens rotate them on every use.`,
  reference: "RFC 9700 §2.2.2 and §4.14 (public clients: rotate or sender-constrain refresh tokens); OAuth 2.1 draft (refresh tokens)",
  *findings(plan) {
    // The organisation may tighten the built-in bound (plan.guardrails), never loosen it.
    const maxDays = Math.min(MAX_REFRESH_TOKEN_DAYS, plan.guardrails.maxRefreshTokenDays ?? Infinity);
    // Places over the bound, grouped by value: a global lifetime that servers and tiers inherit is
    // one finding, not one per server and tier. Only tiers that can obtain refresh tokens count.
    const over = new Map<number, { servers: string[]; tiers: string[] }>();
    const at = (days: number) => over.get(days) ?? over.set(days, { servers: [], tiers: [] }).get(days)!;
    for (const s of plan.servers) if (s.refreshToken.lifetimeDays > maxDays) at(s.refreshToken.lifetimeDays).servers.push(s.name);
    for (const t of plan.tiers) {
      if (t.grantTypes.includes("refresh_token") && t.refreshToken.lifetimeDays > maxDays) at(t.refreshToken.lifetimeDays).tiers.push(t.name);
    }
    for (const [days, { servers, tiers }] of [...over].sort((a, b) => b[0] - a[0])) {
      const only = servers.length + tiers.length === 1;
      const target: FindingTarget = !only ? planTarget(plan.name) : servers.length ? serverTarget(servers[0]!) : tierTarget(tiers[0]!);
      const who = [servers.length ? `${servers.length === 1 ? "Server" : "Servers"} ${names(servers)}` : "", tiers.length ? `${tiers.length === 1 ? "tier" : "tiers"} ${names(tiers)}` : ""]
        .filter(Boolean)
        .join(" and ");
      const subject = who[0]!.toUpperCase() + who.slice(1);
      yield {
        target,
        message: `${subject} ${only ? "lets" : "let"} refresh tokens live ${days} days, above the ${maxDays}-day bound.`,
        fix: only && tiers.length
          ? `Set tiers.${tiers[0]!}.tokens.refreshToken.lifetimeDays to at most ${maxDays}.`
          : `Set tokens.refreshToken.lifetimeDays to at most ${maxDays} (globally, or where ${only ? "the server sets" : "each of them sets"} its own).`,
      };
    }
    for (const t of plan.tiers) {
      if (t.clientType === "public" && t.grantTypes.includes("refresh_token") && !t.refreshToken.rotation) {
        yield {
          target: tierTarget(t.name),
          message: `Tier '${t.name}' gives public clients refresh tokens without rotation, so a stolen refresh token stays usable.`,
          fix: `Remove \`rotation: false\` from tiers.${t.name}.tokens.refreshToken (and from the global token policy).`,
        };
      }
    }
  },
});
