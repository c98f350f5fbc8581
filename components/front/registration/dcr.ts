import { BlockList, isIP } from "node:net";
import { z } from "zod";
import type { McpAuthPlan, PlanTier } from "../../plan/schema.js";
import type { FrontStore } from "../store/types.js";
import { isLoopbackUrl, redirectUriProblem } from "./redirect-uris.js";

/**
 * The gate in front of dynamic client registration (RFC 7591): every request is rate-limited per
 * source, checked against a deny list and pinned to the plan's DCR tier (token endpoint auth
 * method, grant types, scopes, redirect URI rules) before oidc-provider may store a client.
 * Every attempt, accepted or refused, is recorded with its risk signals (source, software id,
 * redirect hosts). A refusal never stores a client.
 */

export interface DcrDenyList {
  /** `software_id` values refused outright. */
  softwareIds?: string[];
  /** Redirect URI hosts refused outright (exact, case-insensitive). */
  redirectHosts?: string[];
  /** Source addresses refused outright: an IP or a CIDR block (`203.0.113.0/24`, `2001:db8::/32`). */
  sourceCidrs?: string[];
}

export interface DcrGuardOptions {
  tier: PlanTier;
  store: FrontStore;
  denyList?: DcrDenyList;
  /**
   * The plan, to check a requested `scope` against what the tier may hold on any server. Without
   * it a requested `scope` is dropped from the registered metadata (RFC 7591 §3.2.1 lets the
   * server replace requested values); the token endpoint caps scopes per tier either way.
   */
  plan?: McpAuthPlan;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
}

export type DcrVerdict =
  | { ok: true; metadata: Record<string, unknown> }
  | {
      ok: false;
      status: 400 | 429;
      error: "invalid_client_metadata" | "invalid_redirect_uri" | "invalid_software_statement" | "too_many_requests";
      description: string;
      retryAfter?: number;
    };

export interface DcrGuard {
  check(input: { sourceIp: string; metadata: unknown }): Promise<DcrVerdict>;
}

const WINDOW_SECONDS = 60;

const DenyListSchema = z.strictObject({
  softwareIds: z.array(z.string().min(1)).optional(),
  redirectHosts: z.array(z.string().min(1)).optional(),
  sourceCidrs: z
    .array(
      z.string().refine((c) => {
        const [ip, bits, extra] = c.split("/");
        if (extra !== undefined || !ip || !isIP(ip)) return false;
        if (bits === undefined) return true;
        const n = Number(bits);
        return Number.isInteger(n) && n >= 0 && n <= (isIP(ip) === 4 ? 32 : 128);
      }, "must be an IP address or CIDR block such as 203.0.113.0/24"),
    )
    .optional(),
});

/** RFC 7591 §2 client metadata, as far as the DCR tier lets a client choose it. */
const MetadataSchema = z.looseObject({
  redirect_uris: z.array(z.string()).optional(),
  grant_types: z.array(z.string()).optional(),
  response_types: z.array(z.string()).optional(),
  token_endpoint_auth_method: z.string().optional(),
  scope: z.string().optional(),
  application_type: z.enum(["native", "web"]).optional(),
  client_name: z.string().max(200).optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(100).optional(),
  software_statement: z.unknown().optional(),
  jwks_uri: z.url().optional(),
  jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
});

function tierScopeSet(plan: McpAuthPlan, tier: PlanTier): Set<string> {
  const out = new Set<string>(["openid"]);
  if (tier.grantTypes.includes("refresh_token")) out.add("offline_access");
  for (const server of plan.servers) for (const a of server.access) if (a.tier === tier.name) for (const s of a.scopes) out.add(s);
  return out;
}

function hostsOf(uris: readonly unknown[]): string[] {
  const hosts = new Set<string>();
  for (const u of uris) {
    try {
      if (typeof u === "string") hosts.add(new URL(u).hostname.toLowerCase());
    } catch {
      // an unparsable URI has no host; it is refused below
    }
  }
  return [...hosts].sort();
}

export function createDcrGuard(options: DcrGuardOptions): DcrGuard {
  const { tier, store } = options;
  if (tier.registration !== "dcr") throw new Error(`createDcrGuard: tier '${tier.name}' has registration '${tier.registration}', expected 'dcr'`);
  const deny = DenyListSchema.safeParse(options.denyList ?? {});
  if (!deny.success) throw new Error(`createDcrGuard: dcrDenyList is invalid: ${deny.error.issues.map((i) => `dcrDenyList.${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const deniedSoftware = new Set(deny.data.softwareIds ?? []);
  const deniedHosts = new Set((deny.data.redirectHosts ?? []).map((h) => h.toLowerCase()));
  const deniedSources = new BlockList();
  for (const c of deny.data.sourceCidrs ?? []) {
    const [ip = "", bits] = c.split("/");
    const type = isIP(ip) === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) deniedSources.addAddress(ip, type);
    else deniedSources.addSubnet(ip, Number(bits), type);
  }
  const allowedScopes = options.plan ? tierScopeSet(options.plan, tier) : undefined;
  const now = options.now ?? Date.now;

  return {
    async check({ sourceIp, metadata }) {
      const at = Math.floor(now() / 1000);
      const raw = (typeof metadata === "object" && metadata !== null ? metadata : {}) as Record<string, unknown>;
      const softwareId = typeof raw["software_id"] === "string" ? raw["software_id"] : undefined;
      const redirectHosts = hostsOf(Array.isArray(raw["redirect_uris"]) ? raw["redirect_uris"] : []);

      const refuse = async (status: 400 | 429, error: Exclude<DcrVerdict, { ok: true }>["error"], description: string, retryAfter?: number): Promise<DcrVerdict> => {
        await store.recordRegistration({ clientId: "", via: "dcr", at, sourceIp, ...(softwareId ? { softwareId } : {}), redirectHosts, accepted: false, reason: `${error}: ${description}` });
        return { ok: false, status, error, description, ...(retryAfter !== undefined ? { retryAfter } : {}) };
      };

      // Rate limit first, so a flood costs one counter update per request and nothing more.
      const count = await store.incrementCounter(`dcr:${sourceIp}`, WINDOW_SECONDS, at);
      if (count > tier.registrationRateLimitPerMinute) {
        const retryAfter = WINDOW_SECONDS - (at % WINDOW_SECONDS);
        return refuse(429, "too_many_requests", `more than ${tier.registrationRateLimitPerMinute} registrations per minute from this source; retry after ${retryAfter} s`, retryAfter);
      }

      if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) return refuse(400, "invalid_client_metadata", "the registration request body must be a JSON object (RFC 7591 §3.1)");
      const parsed = MetadataSchema.safeParse(metadata);
      if (!parsed.success) return refuse(400, "invalid_client_metadata", parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "));
      const m = parsed.data;

      if (isIP(sourceIp) && deniedSources.check(sourceIp, isIP(sourceIp) === 4 ? "ipv4" : "ipv6")) return refuse(400, "invalid_client_metadata", "registrations from this source are not accepted");
      if (softwareId !== undefined && deniedSoftware.has(softwareId)) return refuse(400, "invalid_client_metadata", `software_id '${softwareId}' is not accepted`);
      const deniedHost = redirectHosts.find((h) => deniedHosts.has(h));
      if (deniedHost) return refuse(400, "invalid_redirect_uri", `redirect URIs on '${deniedHost}' are not accepted`);
      // RFC 7591 §3.2.2: the front verifies no software statements, so it accepts none.
      if (m.software_statement !== undefined) return refuse(400, "invalid_software_statement", `software statements are not accepted for tier '${tier.name}'`);

      const method = m.token_endpoint_auth_method ?? tier.tokenEndpointAuthMethod;
      if (method !== tier.tokenEndpointAuthMethod) return refuse(400, "invalid_client_metadata", `token_endpoint_auth_method '${method}' is not allowed for tier '${tier.name}'; it must be '${tier.tokenEndpointAuthMethod}'`);
      const grantTypes = m.grant_types ?? ["authorization_code"];
      const forbiddenGrants = grantTypes.filter((g) => !(tier.grantTypes as string[]).includes(g));
      if (forbiddenGrants.length) return refuse(400, "invalid_client_metadata", `grant_types ${forbiddenGrants.join(", ")} are not allowed for tier '${tier.name}' (allowed: ${tier.grantTypes.join(", ")})`);
      const responseTypes = m.response_types ?? (grantTypes.includes("authorization_code") ? ["code"] : []);
      if (responseTypes.some((r) => r !== "code")) return refuse(400, "invalid_client_metadata", `response_types must be ["code"] (OAuth 2.1), got ${JSON.stringify(responseTypes)}`);

      const redirectUris = m.redirect_uris ?? [];
      if (grantTypes.includes("authorization_code") && redirectUris.length === 0) return refuse(400, "invalid_redirect_uri", "redirect_uris is required for the authorization_code grant");
      for (const uri of redirectUris) {
        const problem = redirectUriProblem(tier, uri);
        if (problem) return refuse(400, "invalid_redirect_uri", problem);
      }

      let scope: string | undefined;
      if (m.scope !== undefined && allowedScopes) {
        const requested = m.scope.split(" ").filter(Boolean);
        const beyond = requested.filter((s) => !allowedScopes.has(s));
        if (beyond.length) return refuse(400, "invalid_client_metadata", `scope ${beyond.join(", ")} is beyond what tier '${tier.name}' may hold`);
        scope = [...new Set(requested)].join(" ");
      }
      if (method === "private_key_jwt" && !m.jwks_uri && !m.jwks) return refuse(400, "invalid_client_metadata", "private_key_jwt needs jwks_uri or jwks");

      // RFC 7591 §3.2.1: the registered metadata is what the tier allows, not what was asked.
      const out: Record<string, unknown> = {
        redirect_uris: [...redirectUris],
        grant_types: [...grantTypes],
        response_types: [...responseTypes],
        token_endpoint_auth_method: method,
        application_type: m.application_type ?? (redirectUris.some((u) => isLoopbackUrl(new URL(u))) ? "native" : "web"),
      };
      if (m.client_name !== undefined) out["client_name"] = m.client_name;
      if (m.software_id !== undefined) out["software_id"] = m.software_id;
      if (m.software_version !== undefined) out["software_version"] = m.software_version;
      if (scope) out["scope"] = scope;
      if (method === "private_key_jwt") {
        if (m.jwks_uri) out["jwks_uri"] = m.jwks_uri;
        else out["jwks"] = m.jwks;
      }
      await store.recordRegistration({ clientId: "", via: "dcr", at, sourceIp, ...(softwareId ? { softwareId } : {}), redirectHosts, accepted: true });
      return { ok: true, metadata: out };
    },
  };
}
