import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import type { ClientMetadata } from "oidc-provider";
import { errors } from "oidc-provider";
import type { McpAuthPlan, PlanTier } from "../../plan/schema.js";
import { createRegistrationRateLimiter, redirectUriProblem } from "./dcr-policy.js";

/**
 * How the front registers clients it does not know in advance, in one place:
 * - CIMD (draft-ietf-oauth-client-id-metadata-document): a URL client ID is resolved by the
 *   Client model's adapter (`find(url)` → the document's metadata capped to the `cimd` tier);
 * - DCR (RFC 7591): the registration endpoint is gated per source address, and the metadata is
 *   checked against the `dcr` tier in oidc-provider's client metadata validator.
 * The resolver and gate below are the seam where the hardened CIMD resolver and DCR guard plug in.
 */

export interface CimdResolver {
  /** @throws an oidc-provider `InvalidClient`/`InvalidClientMetadata` error when refused. */
  resolve(clientId: string): Promise<ClientMetadata>;
}

export interface CimdSettings {
  /** Dev/test mode only: documents at `http://127.0.0.1`/`localhost` URLs are allowed. */
  allowLoopback: boolean;
  maxBytes: number;
  timeoutMs: number;
  cacheSeconds: number;
  now: () => number;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function domainAllowed(tier: PlanTier, host: string): boolean {
  const h = host.toLowerCase();
  return tier.allowedDomains.some((d) => {
    const rule = d.toLowerCase().replace(/^\*\./, "");
    return h === rule || h.endsWith(`.${rule}`);
  });
}

/** Why a URL may not be a client ID for the tier, or undefined. */
export function cimdUrlProblem(tier: PlanTier, clientId: string, allowLoopback: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(clientId);
  } catch {
    return "client_id is not a URL";
  }
  if (u.hash || u.username || u.password) return "client_id URL must not carry a fragment or credentials";
  if (u.protocol === "http:" && allowLoopback && LOOPBACK.has(u.hostname)) return undefined;
  if (u.protocol !== "https:") return "client_id metadata documents must be served over https";
  if (!domainAllowed(tier, u.hostname)) return `client_id host '${u.hostname}' is not on tier '${tier.name}' allowedDomains (${tier.allowedDomains.join(", ") || "none"})`;
  return undefined;
}

/** Addresses a production front never fetches from (SSRF): private, loopback, link-local, CGNAT, unique-local. */
const PRIVATE = new BlockList();
for (const [net, bits] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16]] as const) PRIVATE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10]] as const) PRIVATE.addSubnet(net, bits, "ipv6");

/** Whether an address is private, loopback or link-local (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const a = address.replace(/^::ffff:/i, "");
  const family = isIP(a);
  return family === 0 || PRIVATE.check(a, family === 4 ? "ipv4" : "ipv6");
}

/** Fetches, checks and caches client ID metadata documents for the `cimd` tier. */
export function cimdResolverFor(tier: PlanTier, settings: CimdSettings): CimdResolver {
  const cache = new Map<string, { meta: ClientMetadata; until: number }>();
  return {
    async resolve(clientId) {
      const problem = cimdUrlProblem(tier, clientId, settings.allowLoopback);
      if (problem) throw new errors.InvalidClient(problem);
      const hit = cache.get(clientId);
      if (hit && hit.until > settings.now()) return structuredClone(hit.meta);
      let text: string;
      const host = new URL(clientId).hostname.replace(/^\[|\]$/g, "");
      if (!(settings.allowLoopback && LOOPBACK.has(new URL(clientId).hostname))) {
        // Checked on the resolved addresses: a public name pointing at a private address is refused.
        const addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true }).catch(() => []);
        if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) throw new errors.InvalidClient(`client_id host '${host}' does not resolve to a public address`);
      }
      try {
        const res = await fetch(clientId, { redirect: "manual", headers: { accept: "application/json" }, signal: AbortSignal.timeout(settings.timeoutMs) });
        if (res.status !== 200) throw new Error(`status ${res.status} (redirects are not followed)`);
        const buf = Buffer.from(await res.arrayBuffer());
        if (buf.length > settings.maxBytes) throw new Error(`document larger than ${settings.maxBytes} bytes`);
        text = buf.toString("utf8");
      } catch (err) {
        throw new errors.InvalidClient(`client_id metadata document could not be fetched: ${(err as Error).message}`);
      }
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new errors.InvalidClientMetadata("client_id metadata document is not JSON");
      }
      if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new errors.InvalidClientMetadata("client_id metadata document is not a JSON object");
      if (doc["client_id"] !== clientId) throw new errors.InvalidClientMetadata("client_id metadata document client_id does not match its URL");
      if ("client_secret" in doc) throw new errors.InvalidClientMetadata("client_id metadata document must not contain client_secret");
      const method = doc["token_endpoint_auth_method"] ?? "none";
      if (method !== tier.tokenEndpointAuthMethod) throw new errors.InvalidClientMetadata(`token_endpoint_auth_method '${String(method)}' is not allowed for tier '${tier.name}' (${tier.tokenEndpointAuthMethod})`);
      const redirects = Array.isArray(doc["redirect_uris"]) ? (doc["redirect_uris"] as unknown[]).map(String) : [];
      if (redirects.length === 0) throw new errors.InvalidClientMetadata("client_id metadata document has no redirect_uris");
      for (const uri of redirects) {
        const p = redirectUriProblem(tier, uri);
        if (p) throw new errors.InvalidClientMetadata(p);
      }
      const grants = Array.isArray(doc["grant_types"]) ? (doc["grant_types"] as unknown[]).map(String) : ["authorization_code"];
      const meta: ClientMetadata = {
        client_id: clientId,
        client_name: typeof doc["client_name"] === "string" ? doc["client_name"] : clientId,
        redirect_uris: redirects,
        // Capped to the tier: grant types outside it are dropped, never added.
        grant_types: grants.filter((g) => tier.grantTypes.includes(g as never)),
        response_types: ["code"],
        token_endpoint_auth_method: tier.tokenEndpointAuthMethod,
        application_type: redirects.every((r) => LOOPBACK.has(new URL(r).hostname)) ? "native" : "web",
      };
      if (!meta.grant_types?.includes("authorization_code")) throw new errors.InvalidClientMetadata(`client_id metadata document must allow authorization_code (tier '${tier.name}')`);
      cache.set(clientId, { meta, until: settings.now() + settings.cacheSeconds * 1000 });
      return structuredClone(meta);
    },
  };
}

/** RFC 7591 metadata checks for the `dcr` tier (grant types, redirect URIs). @throws RFC 7591 errors. */
export function dcrMetadataProblem(dcr: PlanTier, metadata: ClientMetadata): void {
  const grants = (metadata.grant_types ?? ["authorization_code"]) as string[];
  const forbidden = grants.filter((g) => !dcr.grantTypes.includes(g as never));
  if (forbidden.length) throw new errors.InvalidClientMetadata(`grant_types ${forbidden.join(", ")} are not allowed for tier '${dcr.name}' (allowed: ${dcr.grantTypes.join(", ")})`);
  const method = metadata.token_endpoint_auth_method ?? "none"; // the front's clientDefaults
  if (method !== dcr.tokenEndpointAuthMethod) throw new errors.InvalidClientMetadata(`token_endpoint_auth_method '${method}' is not allowed for tier '${dcr.name}' (${dcr.tokenEndpointAuthMethod})`);
  for (const uri of (metadata.redirect_uris ?? []) as string[]) {
    const problem = redirectUriProblem(dcr, uri);
    if (problem) {
      // RFC 7591 §3.2.2 invalid_redirect_uri, with the rule that refused it.
      const err = new errors.InvalidRedirectUri();
      err.error_description = problem;
      throw err;
    }
  }
}

/** The registration endpoint's gate: seconds to wait (429) or 0. */
export interface RegistrationGate {
  take(sourceIp: string): number;
  perMinute: number;
  tierName: string;
}

export function registrationGateFor(plan: McpAuthPlan, now: () => number): RegistrationGate | undefined {
  const dcr = plan.tiers.find((t) => t.registration === "dcr");
  if (!dcr) return undefined;
  const limiter = createRegistrationRateLimiter(dcr.registrationRateLimitPerMinute, now);
  return { take: (ip) => limiter.take(ip), perMinute: dcr.registrationRateLimitPerMinute, tierName: dcr.name };
}

/** The deny list of `FrontOptions.dcrDenyList`. */
export interface DcrDenyList {
  softwareIds?: string[];
  redirectHosts?: string[];
  /** CIDR blocks, e.g. `203.0.113.0/24`, `2001:db8::/32`. */
  sourceCidrs?: string[];
}

/**
 * Why a registration is refused by the deny list, or undefined. @throws Error naming a malformed
 * CIDR when the checker is built (at start, not per request).
 */
export function denyListChecker(deny: DcrDenyList | undefined): (input: { sourceIp: string; softwareId?: string; redirectHosts: string[] }) => string | undefined {
  const blocks = new BlockList();
  for (const cidr of deny?.sourceCidrs ?? []) {
    const [net, bits] = cidr.split("/");
    const family = isIP(net ?? "");
    const prefix = Number(bits);
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`dcrDenyList.sourceCidrs: '${cidr}' is not a CIDR block (e.g. 203.0.113.0/24)`);
    blocks.addSubnet(net!, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  const software = new Set(deny?.softwareIds ?? []);
  const hosts = (deny?.redirectHosts ?? []).map((h) => h.toLowerCase());
  return ({ sourceIp, softwareId, redirectHosts }) => {
    const ip = sourceIp.replace(/^::ffff:/, "");
    const family = isIP(ip);
    if (family && blocks.check(ip, family === 4 ? "ipv4" : "ipv6")) return "the source address is on the deny list";
    if (softwareId !== undefined && software.has(softwareId)) return `software_id '${softwareId}' is on the deny list`;
    const bad = redirectHosts.find((h) => hosts.some((d) => h === d || h.endsWith(`.${d}`)));
    if (bad) return `redirect host '${bad}' is on the deny list`;
    return undefined;
  };
}

/** Risk signals of an RFC 7591 request body (RFC 7591 §2: `software_id`, `redirect_uris`). */
export function registrationSignals(body: unknown): { softwareId?: string; redirectHosts: string[] } {
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const redirectHosts = (Array.isArray(b["redirect_uris"]) ? b["redirect_uris"] : []).flatMap((u) => {
    try {
      return [new URL(String(u)).hostname.toLowerCase()];
    } catch {
      return [];
    }
  });
  return { ...(typeof b["software_id"] === "string" ? { softwareId: b["software_id"] } : {}), redirectHosts: [...new Set(redirectHosts)].sort() };
}
