import type { ClientMetadata } from "oidc-provider";
import { z } from "zod";
import type { PlanTier } from "../../plan/schema.js";
import { FetchRefused, pinnedFetch } from "./pinned-fetch.js";
import { hostAllowed, isLoopbackUrl, redirectUriProblem } from "./redirect-uris.js";

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; MCP authorization
 * 2025-11-25 "Client ID Metadata Documents"): a client whose `client_id` is an https URL is
 * described by the JSON document at that URL. The resolver fetches it SSRF-safely
 * (`pinned-fetch.ts`), validates it, pins it to the plan's CIMD tier and caches it.
 */

export interface CimdOptions {
  /** Hosts whose documents are trusted: `example.com` (that host exactly) or `*.example.com` (any host below). */
  allowedDomains: string[];
  /** Development and tests only: accept `http://127.0.0.1` / `localhost` documents and loopback addresses. */
  allowLoopback?: boolean;
  /** Largest document accepted, in bytes. Default 5120. */
  maxBytes?: number;
  /** One deadline for DNS, connection and body, in milliseconds. Default 3000. */
  timeoutMs?: number;
  /** How long a document is cached when it sends no `Cache-Control: max-age`. Default 300 s. */
  cacheSeconds?: number;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Resolves a host name to IP addresses (tests). Default: the system resolver. */
  lookup?: (host: string) => Promise<string[]>;
  /**
   * Called once per use that the cache did not answer (a first use, or one after the cached copy
   * expired), accepted or refused: the front records it as a registration attempt (`via: "cimd"`).
   */
  onAttempt?: (attempt: { clientId: string; accepted: boolean; redirectHosts: string[]; reason?: string }) => void;
}

export type CimdErrorCode = "invalid_client_metadata" | "invalid_redirect_uri" | "invalid_client";

/** A refused client ID or document, with the OAuth error code to answer (RFC 7591 §3.2.2, RFC 6749 §5.2). */
export class CimdError extends Error {
  constructor(
    readonly code: CimdErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CimdError";
  }
}

export interface CimdResolver {
  resolve(clientId: string): Promise<ClientMetadata>;
}

/** Cached documents live at least this long (bounds the fetch rate) and at most a day. */
const MIN_CACHE_SECONDS = 30;
const MAX_CACHE_SECONDS = 86_400;

/**
 * The client ID metadata document's members the front reads; built on first use (not at cold start).
 * MCP 2026-07-28 Client Registration: the document "MUST include at least the following properties:
 * `client_id`, `client_name`, `redirect_uris`", and the authorization server "MUST validate the
 * document structure is valid JSON and contains required fields".
 */
const buildDocumentSchema = () =>
  z.looseObject({
    client_id: z.string(),
    client_name: z.string("a client ID metadata document must include client_name").trim().min(1, "a client ID metadata document must include client_name").max(200),
    redirect_uris: z.array(z.string()).min(1, "a client ID metadata document must list redirect_uris"),
    grant_types: z.array(z.string()).optional(),
    response_types: z.array(z.string()).optional(),
    token_endpoint_auth_method: z.string().optional(),
    jwks_uri: z.url().optional(),
    jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
  });
let documentSchema: ReturnType<typeof buildDocumentSchema> | undefined;

/** Does the URL qualify as a client ID at all (draft §3: https, a path, no fragment, no credentials, no dot segments)? */
function clientIdProblem(clientId: string, allowLoopback: boolean): { url?: URL; problem?: string } {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return { problem: `client_id '${clientId}' is not a URL` };
  }
  if (url.protocol !== "https:" && !(allowLoopback && url.protocol === "http:" && isLoopbackUrl(url))) return { problem: `client_id '${clientId}' must be an https URL` };
  if (clientId.includes("#")) return { problem: `client_id '${clientId}' must not contain a fragment` };
  if (url.username || url.password) return { problem: `client_id '${clientId}' must not contain user information` };
  if (url.pathname === "/" || url.pathname === "") return { problem: `client_id '${clientId}' must contain a path` };
  // The parsed URL has dot segments resolved already; look at the raw path.
  if (/\/\.\.?(\/|$|\?)/.test(clientId.slice(url.origin.length))) return { problem: `client_id '${clientId}' must not contain . or .. path segments` };
  return { url };
}

function cacheSecondsFrom(cacheControl: string, fallback: number): number {
  const lower = Math.min(MIN_CACHE_SECONDS, fallback);
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/i.test(cacheControl)) return lower;
  const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl);
  const wanted = m?.[1] !== undefined ? Number(m[1]) : fallback;
  return Math.min(MAX_CACHE_SECONDS, Math.max(lower, wanted));
}

export function createCimdResolver(tier: PlanTier, options: CimdOptions): CimdResolver {
  if (tier.registration !== "cimd") throw new Error(`createCimdResolver: tier '${tier.name}' has registration '${tier.registration}', expected 'cimd'`);
  const allowLoopback = options.allowLoopback ?? false;
  const maxBytes = options.maxBytes ?? 5120;
  const timeoutMs = options.timeoutMs ?? 3000;
  const cacheSeconds = options.cacheSeconds ?? 300;
  const now = options.now ?? Date.now;
  for (const [name, v] of [["maxBytes", maxBytes], ["timeoutMs", timeoutMs]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`createCimdResolver: ${name} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(cacheSeconds) || cacheSeconds < 0) throw new Error(`createCimdResolver: cacheSeconds must be a non-negative integer, got ${cacheSeconds}`);
  const cache = new Map<string, { metadata: ClientMetadata; until: number }>();
  const inFlight = new Map<string, Promise<ClientMetadata>>();

  /** Admin-registered CIMD clients of the tier (plan `clients[].metadataDocumentUrl`), by client ID. */
  const listed = new Map(tier.clients.filter((c) => c.metadataDocumentUrl !== undefined).map((c) => [c.metadataDocumentUrl!, c]));

  function toMetadata(clientId: string, raw: unknown): ClientMetadata {
    const parsed = (documentSchema ??= buildDocumentSchema()).safeParse(raw);
    if (!parsed.success) {
      throw new CimdError("invalid_client_metadata", `client ID metadata document ${clientId} is invalid: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`).join("; ")}`);
    }
    const doc = parsed.data;
    // Draft §4.1: the document's client_id MUST equal the URL it was fetched from, exactly.
    if (doc.client_id !== clientId) throw new CimdError("invalid_client_metadata", `client ID metadata document ${clientId} names client_id '${doc.client_id}'; it must equal the document URL exactly`);
    if ("client_secret" in doc || "client_secret_expires_at" in doc) throw new CimdError("invalid_client_metadata", `client ID metadata document ${clientId} must not contain a client_secret (shared secrets cannot be published)`);
    const method = doc.token_endpoint_auth_method ?? "none";
    if (method !== tier.tokenEndpointAuthMethod) {
      throw new CimdError("invalid_client_metadata", `token_endpoint_auth_method '${method}' is not allowed for tier '${tier.name}'; it must be '${tier.tokenEndpointAuthMethod}'`);
    }
    if (method === "private_key_jwt" && !doc.jwks_uri && !doc.jwks) throw new CimdError("invalid_client_metadata", `private_key_jwt needs jwks_uri or jwks in ${clientId}`);
    const grantTypes = doc.grant_types ?? ["authorization_code"];
    const forbidden = grantTypes.filter((g) => !(tier.grantTypes as string[]).includes(g));
    if (forbidden.length) throw new CimdError("invalid_client_metadata", `grant_types ${forbidden.join(", ")} are not allowed for tier '${tier.name}' (allowed: ${tier.grantTypes.join(", ")})`);
    if (!grantTypes.includes("authorization_code")) throw new CimdError("invalid_client_metadata", `grant_types must include authorization_code (a client ID metadata document describes a client users sign in to), got ${JSON.stringify(grantTypes)}`);
    const responseTypes = doc.response_types ?? ["code"];
    if (responseTypes.some((r) => r !== "code")) throw new CimdError("invalid_client_metadata", `response_types must be ["code"] (OAuth 2.1), got ${JSON.stringify(responseTypes)}`);
    // An admin-registered client may also use the redirect URIs declared for it, exactly.
    const declared = listed.get(clientId)?.redirectUris ?? [];
    for (const uri of doc.redirect_uris) {
      const problem = declared.includes(uri) ? undefined : redirectUriProblem(tier, uri);
      if (problem) throw new CimdError("invalid_redirect_uri", `${problem} (client ID metadata document ${clientId})`);
    }
    const metadata: ClientMetadata = {
      client_id: clientId,
      redirect_uris: [...doc.redirect_uris],
      grant_types: [...grantTypes],
      response_types: ["code"],
      token_endpoint_auth_method: method,
      // MCP authorization: native for loopback redirect URIs (RFC 8252), web otherwise.
      application_type: doc.redirect_uris.every((u) => isLoopbackUrl(new URL(u))) ? "native" : "web",
    };
    metadata.client_name = doc.client_name;
    if (method === "private_key_jwt") {
      if (doc.jwks_uri) metadata.jwks_uri = doc.jwks_uri;
      else if (doc.jwks) metadata.jwks = doc.jwks as ClientMetadata["jwks"];
    }
    return metadata;
  }

  async function load(clientId: string, url: URL): Promise<ClientMetadata> {
    let fetched;
    try {
      fetched = await pinnedFetch(url, { allowLoopback, maxBytes, timeoutMs, ...(options.lookup ? { lookup: options.lookup } : {}) });
    } catch (err) {
      if (err instanceof FetchRefused) throw new CimdError("invalid_client", `client ID metadata document could not be used: ${err.message}`);
      throw err;
    }
    if (fetched.status !== 200) throw new CimdError("invalid_client", `client ID metadata document ${clientId} answered HTTP ${fetched.status}`);
    if (!/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(fetched.contentType)) {
      throw new CimdError("invalid_client_metadata", `client ID metadata document ${clientId} has content type '${fetched.contentType}'; expected application/json`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(fetched.body.toString("utf8"));
    } catch {
      throw new CimdError("invalid_client_metadata", `client ID metadata document ${clientId} is not valid JSON`);
    }
    const metadata = toMetadata(clientId, raw);
    const ttl = cacheSecondsFrom(fetched.cacheControl, cacheSeconds);
    if (ttl > 0) cache.set(clientId, { metadata, until: now() + ttl * 1000 });
    return metadata;
  }

  const attempt = (clientId: string, err?: unknown, metadata?: ClientMetadata) => {
    if (!options.onAttempt) return;
    try {
      const redirectHosts = [...new Set((metadata?.redirect_uris ?? []).map((u) => new URL(u).hostname.toLowerCase()))].sort();
      options.onAttempt({ clientId, accepted: err === undefined, redirectHosts, ...(err !== undefined ? { reason: err instanceof CimdError ? `${err.code}: ${err.message}` : (err as Error).message } : {}) });
    } catch {
      // recording is best effort; the answer to the client does not depend on it
    }
  };

  async function attempted(clientId: string, url: URL): Promise<ClientMetadata> {
    try {
      const metadata = await load(clientId, url);
      attempt(clientId, undefined, metadata);
      return metadata;
    } catch (err) {
      attempt(clientId, err);
      throw err;
    }
  }

  return {
    async resolve(clientId) {
      const { url, problem } = clientIdProblem(clientId, allowLoopback);
      if (!url) {
        const err = new CimdError("invalid_client", problem ?? `client_id '${clientId}' is not usable`);
        attempt(clientId, err);
        throw err;
      }
      const loopbackDev = allowLoopback && isLoopbackUrl(url);
      if (!loopbackDev && !listed.has(clientId) && !hostAllowed(options.allowedDomains, url.hostname)) {
        const err = new CimdError("invalid_client", `client_id '${clientId}' is not on an allowed domain of tier '${tier.name}' (${options.allowedDomains.join(", ") || "none"})`);
        attempt(clientId, err);
        throw err;
      }
      const hit = cache.get(clientId);
      if (hit && hit.until > now()) return structuredClone(hit.metadata);
      cache.delete(clientId);
      let pending = inFlight.get(clientId);
      if (!pending) {
        pending = attempted(clientId, url).finally(() => inFlight.delete(clientId));
        inFlight.set(clientId, pending);
      }
      return structuredClone(await pending);
    },
  };
}
