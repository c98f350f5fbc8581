import type { FindingTarget } from "./types.js";
import { clientTarget, defineRule, tierTarget } from "./helpers.js";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * Why a redirect URI is not exact and safe, or undefined when it is: absolute, no wildcard, no
 * fragment (RFC 6749 §3.1.2), and https or http on a loopback host (RFC 8252 §7.3; MCP
 * Authorization: "All redirect URIs MUST be either localhost or use HTTPS").
 */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.includes("*")) return "contains a wildcard";
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return "is not an absolute URL";
  }
  if (uri.includes("#")) return "has a fragment";
  if (u.username || u.password) return "carries user information";
  if (u.protocol === "https:") return u.hostname ? undefined : "has no host";
  if (u.protocol === "http:") return LOOPBACK_HOSTS.has(u.hostname) ? undefined : "uses http on a host that is not loopback (127.0.0.1, [::1] or localhost)";
  return `uses the '${u.protocol.slice(0, -1)}' scheme instead of https or loopback http`;
}

export default defineRule({
  id: "exact-redirect-uris",
  severity: "error",
  fix: "Register exact https callback URLs, or `http://127.0.0.1/<path>` for native clients.",
  description: "Redirect URIs (pre-registered clients and DCR allowlists) are exact: absolute https, or http on a loopback host, with no wildcard and no fragment.",
  reference: "RFC 9700 §2.1 (exact redirect URI matching); RFC 6749 §3.1.2 (no fragment); RFC 8252 §7.3 (loopback); MCP 2026-07-28 Authorization (redirect URIs localhost or HTTPS)",
  *findings(plan) {
    for (const tier of plan.tiers) {
      const uris: { uri: string; target: FindingTarget; where: string }[] = [
        ...tier.clients.flatMap((c) => c.redirectUris.map((uri) => ({ uri, target: clientTarget(tier.name, c.name), where: `Client '${c.name}' in tier '${tier.name}' has redirect URI` }))),
        ...tier.allowedRedirectUris.map((uri) => ({ uri, target: tierTarget(tier.name), where: `Tier '${tier.name}' allows the redirect URI` })),
      ];
      for (const { uri, target, where } of uris) {
        const problem = redirectUriProblem(uri);
        if (!problem) continue;
        yield {
          target,
          message: `${where} '${uri}', which ${problem}.`,
          fix: "Register each exact callback URL: https://<host>/<path>, or http://127.0.0.1/<path> for native clients.",
        };
      }
    }
  },
});
