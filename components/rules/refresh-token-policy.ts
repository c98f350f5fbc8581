import { defineRule, serverTarget, tierTarget } from "./helpers.js";

/** Longest refresh-token lifetime the rule accepts, in days. */
export const MAX_REFRESH_TOKEN_DAYS = 90;

export default defineRule({
  id: "refresh-token-policy",
  severity: "error",
  fix: "Set `refreshToken.lifetimeDays` ≤ 90 and keep `rotation` on for public tiers.",
  description: `Refresh tokens live at most ${MAX_REFRESH_TOKEN_DAYS} days (every server and tier), and public-client tiers that use refresh tokens rotate them on every use.`,
  reference: "RFC 9700 §2.2.2 and §4.14 (public clients: rotate or sender-constrain refresh tokens); OAuth 2.1 draft (refresh tokens)",
  *findings(plan) {
    // The organisation may tighten the built-in bound (plan.guardrails), never loosen it.
    const maxDays = Math.min(MAX_REFRESH_TOKEN_DAYS, plan.guardrails.maxRefreshTokenDays ?? Infinity);
    for (const s of plan.servers) {
      const rt = s.refreshToken;
      if (rt.lifetimeDays > maxDays) {
        yield {
          target: serverTarget(s.name),
          message: `Server '${s.name}' lets refresh tokens live ${rt.lifetimeDays} days, above the ${maxDays}-day bound.`,
          fix: `Set tokens.refreshToken.lifetimeDays to at most ${maxDays} (globally or on the server).`,
        };
      }
    }
    for (const t of plan.tiers) {
      const rt = t.refreshToken;
      // Only tiers that can obtain refresh tokens are judged on them.
      if (!t.grantTypes.includes("refresh_token")) continue;
      if (rt.lifetimeDays > maxDays) {
        yield {
          target: tierTarget(t.name),
          message: `Tier '${t.name}' lets refresh tokens live ${rt.lifetimeDays} days, above the ${maxDays}-day bound.`,
          fix: `Set tiers.${t.name}.tokens.refreshToken.lifetimeDays to at most ${maxDays}.`,
        };
      }
      if (t.clientType === "public" && t.grantTypes.includes("refresh_token") && !rt.rotation) {
        yield {
          target: tierTarget(t.name),
          message: `Tier '${t.name}' gives public clients refresh tokens without rotation, so a stolen refresh token stays usable.`,
          fix: `Remove \`rotation: false\` from tiers.${t.name}.tokens.refreshToken (and from the global token policy).`,
        };
      }
    }
  },
});
