import { BlockList, isIP } from "node:net";
import { z } from "zod";
import type { McpAuthPlan, PlanTier } from "../../plan/schema.js";
import type { FrontStore } from "../store/types.js";
import { redirectUriProblem } from "./redirect-uris.js";

/**
 * The gate in front of dynamic client registration (RFC 7591), the only one the front uses
 * (`POST /reg`, registration/endpoint.ts): every request is rate-limited per source, checked
 * against a deny list and pinned to the plan's DCR tier (token endpoint auth method, grant types,
 * scopes, redirect URI rules) before oidc-provider may store a client. Every attempt, accepted or
 * refused, is recorded with its risk signals (source, software id, redirect hosts): a refusal by
 * {@link DcrGuard.check} itself, an accepted one by {@link DcrGuard.recordOutcome} once the client
 * id is issued. A refusal never stores a client.
 */

export interface DcrDenyList {
  /** `software_id` values refused outright. */
  softwareIds?: string[];
  /** Redirect URI hosts refused outright, with every host below them (case-insensitive). */
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

/** The risk signals of one registration request (RFC 7591 §2 `software_id`, `redirect_uris`). */
export interface DcrSignals {
  softwareId?: string;
  redirectHosts: string[];
}

export type DcrErrorCode = "invalid_client_metadata" | "invalid_redirect_uri" | "invalid_software_statement" | "too_many_requests";

export type DcrVerdict =
  | { ok: true; metadata: Record<string, unknown>; signals: DcrSignals }
  | { ok: false; status: 400 | 429; error: DcrErrorCode; description: string; retryAfter?: number; signals: DcrSignals };

export interface DcrGuard {
  /** Checks one request; a refusal is recorded here (nothing else is stored). */
  check(input: { sourceIp: string; metadata: unknown }): Promise<DcrVerdict>;
  /**
   * Records what became of a request the guard let through: the client id oidc-provider issued,
   * or why oidc-provider refused it after all.
   */
  recordOutcome(input: { sourceIp: string; signals: DcrSignals } & ({ clientId: string } | { refused: string })): Promise<void>;
}

/** Fixed one-minute windows of the store's shared counter (every instance of the front counts together). */
const WINDOW_SECONDS = 60;

/** `dcrDenyList`, as `createFront` and McpAuthFront (at deploy) check it. */
export const DcrDenyListSchema = z.strictObject({
  softwareIds: z.array(z.string().min(1)).optional(),
  redirectHosts: z.array(z.string().min(1)).optional(),
  sourceCidrs: z
    .array(
      z.string().refine((c) => {
        const [ip, bits, extra] = c.split("/");
        if (extra !== undefined || !ip || !isIP(ip)) return false;
        if (bits === undefined) return true;
        const n = Number(bits);
        return bits !== "" && Number.isInteger(n) && n >= 0 && n <= (isIP(ip) === 4 ? 32 : 128);
      }, "must be an IP address or CIDR block such as 203.0.113.0/24"),
    )
    .optional(),
});

/**
 * RFC 7591 §2 client metadata, as far as the DCR tier lets a client choose it. Built on first use:
 * a cold start that registers no client need not build it.
 */
const buildMetadataSchema = () =>
  z.looseObject({
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
let metadataSchema: ReturnType<typeof buildMetadataSchema> | undefined;

/**
 * The DCR tier's rules on client metadata (token endpoint auth method, grant and response types,
 * redirect URIs), as an RFC 7591 §3.2.2 error, or undefined when the metadata fits the tier. Used
 * by the guard and again by oidc-provider's client metadata validator on what it is about to store.
 */
export function dcrTierProblem(tier: PlanTier, metadata: { token_endpoint_auth_method?: unknown; grant_types?: unknown; response_types?: unknown; redirect_uris?: unknown }): { error: "invalid_client_metadata" | "invalid_redirect_uri"; description: string } | undefined {
  const method = String(metadata.token_endpoint_auth_method ?? tier.tokenEndpointAuthMethod);
  if (method !== tier.tokenEndpointAuthMethod) return { error: "invalid_client_metadata", description: `token_endpoint_auth_method '${method}' is not allowed for tier '${tier.name}'; it must be '${tier.tokenEndpointAuthMethod}'` };
  const grantTypes = Array.isArray(metadata.grant_types) ? metadata.grant_types.map(String) : ["authorization_code"];
  const forbidden = grantTypes.filter((g) => !(tier.grantTypes as string[]).includes(g));
  if (forbidden.length) return { error: "invalid_client_metadata", description: `grant_types ${forbidden.join(", ")} are not allowed for tier '${tier.name}' (allowed: ${tier.grantTypes.join(", ")})` };
  const responseTypes = Array.isArray(metadata.response_types) ? metadata.response_types.map(String) : grantTypes.includes("authorization_code") ? ["code"] : [];
  if (responseTypes.some((r) => r !== "code")) return { error: "invalid_client_metadata", description: `response_types must be ["code"] (OAuth 2.1), got ${JSON.stringify(responseTypes)}` };
  const redirectUris = Array.isArray(metadata.redirect_uris) ? metadata.redirect_uris.map(String) : [];
  if (grantTypes.includes("authorization_code") && redirectUris.length === 0) return { error: "invalid_redirect_uri", description: "redirect_uris is required for the authorization_code grant" };
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(tier, uri);
    if (problem) return { error: "invalid_redirect_uri", description: problem };
  }
  return undefined;
}

function tierScopeSet(plan: McpAuthPlan, tier: PlanTier): Set<string> {
  const out = new Set<string>(["openid"]);
  if (tier.grantTypes.includes("refresh_token")) out.add("offline_access");
  for (const server of plan.servers) for (const a of server.access) if (a.tier === tier.name) for (const s of a.scopes) out.add(s);
  return out;
}

/** The risk signals of a request body, whatever its shape. */
export function dcrSignalsOf(body: unknown): DcrSignals {
  const raw = (typeof body === "object" && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const hosts = new Set<string>();
  for (const u of Array.isArray(raw["redirect_uris"]) ? raw["redirect_uris"] : []) {
    try {
      if (typeof u === "string") hosts.add(new URL(u).hostname.toLowerCase());
    } catch {
      // an unparsable URI has no host; the tier rules refuse it
    }
  }
  return { ...(typeof raw["software_id"] === "string" ? { softwareId: raw["software_id"] } : {}), redirectHosts: [...hosts].sort() };
}

/** `::ffff:203.0.113.9` is 203.0.113.9 (a dual-stack socket's view of an IPv4 peer). */
function plainIp(sourceIp: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(sourceIp);
  return m?.[1] ?? sourceIp;
}

/** @throws Error naming the malformed `dcrDenyList` entry (at start, not per request). */
export function createDcrGuard(options: DcrGuardOptions): DcrGuard {
  const { tier, store } = options;
  if (tier.registration !== "dcr") throw new Error(`createDcrGuard: tier '${tier.name}' has registration '${tier.registration}', expected 'dcr'`);
  const deny = DcrDenyListSchema.safeParse(options.denyList ?? {});
  if (!deny.success) throw new Error(`createDcrGuard: dcrDenyList is invalid: ${deny.error.issues.map((i) => `dcrDenyList.${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const deniedSoftware = new Set(deny.data.softwareIds ?? []);
  const deniedHosts = (deny.data.redirectHosts ?? []).map((h) => h.toLowerCase().replace(/\.$/, ""));
  const deniedSources = new BlockList();
  for (const c of deny.data.sourceCidrs ?? []) {
    const [ip = "", bits] = c.split("/");
    const type = isIP(ip) === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) deniedSources.addAddress(ip, type);
    else deniedSources.addSubnet(ip, Number(bits), type);
  }
  const allowedScopes = options.plan ? tierScopeSet(options.plan, tier) : undefined;
  const now = options.now ?? Date.now;
  const at = () => Math.floor(now() / 1000);

  const record = (sourceIp: string, signals: DcrSignals, outcome: { clientId: string } | { refused: string }) =>
    store.recordRegistration({
      clientId: "clientId" in outcome ? outcome.clientId : "",
      via: "dcr",
      at: at(),
      sourceIp,
      ...(signals.softwareId !== undefined ? { softwareId: signals.softwareId } : {}),
      redirectHosts: [...signals.redirectHosts],
      accepted: "clientId" in outcome,
      ...("refused" in outcome ? { reason: outcome.refused } : {}),
    });

  return {
    async check({ sourceIp: rawSource, metadata }) {
      const sourceIp = plainIp(rawSource);
      const signals = dcrSignalsOf(metadata);
      const refuse = async (status: 400 | 429, error: DcrErrorCode, description: string, retryAfter?: number): Promise<DcrVerdict> => {
        await record(sourceIp, signals, { refused: `${error}: ${description}` });
        return { ok: false, status, error, description, ...(retryAfter !== undefined ? { retryAfter } : {}), signals };
      };

      // Rate limit first, so a flood costs one counter update per request and nothing more.
      const t = at();
      const count = await store.incrementCounter(`dcr:${sourceIp}`, WINDOW_SECONDS, t);
      if (count > tier.registrationRateLimitPerMinute) {
        const retryAfter = WINDOW_SECONDS - (t % WINDOW_SECONDS);
        return refuse(429, "too_many_requests", `client registration is limited to ${tier.registrationRateLimitPerMinute} per minute per source for tier '${tier.name}'; retry after ${retryAfter} s`, retryAfter);
      }

      if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) return refuse(400, "invalid_client_metadata", "the registration request body must be a JSON object (RFC 7591 §3.1)");
      const parsed = (metadataSchema ??= buildMetadataSchema()).safeParse(metadata);
      if (!parsed.success) return refuse(400, "invalid_client_metadata", parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "));
      const m = parsed.data;

      // The deny list: RFC 7591 §3.2.2 invalid_client_metadata, naming the entry that matched.
      if (isIP(sourceIp) && deniedSources.check(sourceIp, isIP(sourceIp) === 4 ? "ipv4" : "ipv6")) return refuse(400, "invalid_client_metadata", "registration refused: the source address is on the deny list");
      if (signals.softwareId !== undefined && deniedSoftware.has(signals.softwareId)) return refuse(400, "invalid_client_metadata", `registration refused: software_id '${signals.softwareId}' is on the deny list`);
      const deniedHost = signals.redirectHosts.find((h) => deniedHosts.some((d) => h === d || h.endsWith(`.${d}`)));
      if (deniedHost) return refuse(400, "invalid_client_metadata", `registration refused: redirect host '${deniedHost}' is on the deny list`);
      // RFC 7591 §3.2.2: the front verifies no software statements, so it accepts none.
      if (m.software_statement !== undefined) return refuse(400, "invalid_software_statement", `software statements are not accepted for tier '${tier.name}'`);

      const tierProblem = dcrTierProblem(tier, m);
      if (tierProblem) return refuse(400, tierProblem.error, tierProblem.description);
      const method = m.token_endpoint_auth_method ?? tier.tokenEndpointAuthMethod;
      const grantTypes = m.grant_types ?? ["authorization_code"];
      const responseTypes = m.response_types ?? (grantTypes.includes("authorization_code") ? ["code"] : []);
      const redirectUris = m.redirect_uris ?? [];

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
      };
      // As the client asked; unset, oidc-provider's default (web) applies. A native client is shown
      // the consent page at every authorization (oidc-provider's native_client_prompt check).
      if (m.application_type !== undefined) out["application_type"] = m.application_type;
      if (m.client_name !== undefined) out["client_name"] = m.client_name;
      if (m.software_id !== undefined) out["software_id"] = m.software_id;
      if (m.software_version !== undefined) out["software_version"] = m.software_version;
      if (scope) out["scope"] = scope;
      if (method === "private_key_jwt") {
        if (m.jwks_uri) out["jwks_uri"] = m.jwks_uri;
        else out["jwks"] = m.jwks;
      }
      return { ok: true, metadata: out, signals };
    },

    async recordOutcome(input) {
      await record(plainIp(input.sourceIp), input.signals, "clientId" in input ? { clientId: input.clientId } : { refused: input.refused });
    },
  };
}
