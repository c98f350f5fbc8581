import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { revokedBy, type RevocationEntry } from "../../lambda/core/revocation-list.js";
import type { McpAuthPlan } from "../plan/schema.js";
import type { FrontStore, RevocationRecord } from "./store/types.js";
import { basicCredentials, sameSecret } from "./client-auth.js";

/**
 * Revocation in the front, three paths (user's grants page, admin through the store, RFC 7009
 * for clients) with one effect: the grants go (so refresh and introspection fail at once) and a
 * {@link RevocationRecord} is appended, which the edge reads from `GET /revocations` with a short
 * cache (lambda/core/revocation-list.ts). Critical scopes are introspected by the edge on every
 * use, so for them a revocation holds from the next request.
 */

/** Path of the revocation list the edge reads (client_secret_basic with the edge client). */
export const REVOCATIONS_PATH = "/revocations";
/** How long the edge may keep tokens it could be asked about: the longest access token of the plan, plus clock leeway. */
export function revocationHorizonSeconds(plan: McpAuthPlan): number {
  let max = 300;
  for (const s of plan.servers) for (const m of [s.accessTokenMinutes, ...s.access.map((a) => a.accessTokenMinutes)]) max = Math.max(max, m.routine * 60, m.high * 60, m.critical * 60);
  return max + 300;
}

export interface Revoker {
  grant(grantId: string, by: RevocationRecord["by"]): Promise<void>;
  user(sub: string, by: RevocationRecord["by"]): Promise<void>;
  client(clientId: string, by: RevocationRecord["by"]): Promise<void>;
  /** The record revoking a token with these facts, if any (refresh, introspection). */
  check(token: { sub?: string | undefined; clientId?: string | undefined; grantId?: string | undefined; iat: number }): Promise<RevocationEntry | undefined>;
}

export function createRevoker(options: { provider: Provider; store: FrontStore; plan: McpAuthPlan; now: () => number; log?: (line: string) => void }): Revoker {
  const { provider, store } = options;
  const horizon = revocationHorizonSeconds(options.plan);
  const nowSec = () => Math.floor(options.now() / 1000);
  // The longest-lived token a record can concern is a refresh token (≤ 90 days by the rules).
  const keep = 90 * 86_400;

  async function dropGrant(grantId: string): Promise<void> {
    const grant = await provider.Grant.find(grantId);
    await grant?.destroy();
    for (const model of ["AccessToken", "RefreshToken", "AuthorizationCode"]) await store.adapter(model).revokeByGrantId(grantId);
  }

  async function record(kind: RevocationRecord["kind"], id: string, by: RevocationRecord["by"]): Promise<void> {
    const at = nowSec();
    await store.addRevocation({ kind, id, at, by, expiresAt: at + keep });
    options.log?.(`revoked ${kind} by ${by}`);
  }

  return {
    async grant(grantId, by) {
      await dropGrant(grantId);
      await record("grant", grantId, by);
    },
    async user(sub, by) {
      for (const c of await store.listConsentsBySub(sub)) {
        for (const g of c.grantIds) await dropGrant(g);
        await store.deleteConsent(c.sub, c.clientId, c.resource);
      }
      await record("user", sub, by);
    },
    async client(clientId, by) {
      for (const c of await store.listConsentsByClient(clientId)) {
        for (const g of c.grantIds) await dropGrant(g);
        await store.deleteConsent(c.sub, c.clientId, c.resource);
      }
      await record("client", clientId, by);
    },
    async check(token) {
      // Refresh tokens live longer than access tokens: look back as far as records are kept.
      return revokedBy(await store.listRevocations(nowSec() - Math.max(horizon, keep)), token);
    },
  };
}

/** `GET /revocations?since=<epoch s>`: the records the edge needs (RFC 6749 §2.3.1 client auth). */
export async function serveRevocations(req: IncomingMessage, res: ServerResponse, deps: { store: FrontStore; plan: McpAuthPlan; edgeClient: { id: string; secret: string }; now: () => number }): Promise<void> {
  const headers = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };
  if (req.method !== "GET") {
    res.writeHead(405, { ...headers, allow: "GET" });
    return void res.end(JSON.stringify({ error: "invalid_request", error_description: "use GET" }));
  }
  const who = basicCredentials(req);
  if (!who || who.id !== deps.edgeClient.id || !sameSecret(who.secret, deps.edgeClient.secret)) {
    res.writeHead(401, { ...headers, "www-authenticate": 'Basic realm="revocations"' });
    return void res.end(JSON.stringify({ error: "invalid_client", error_description: "the revocation list is for the edge client (client_secret_basic)" }));
  }
  const nowSec = Math.floor(deps.now() / 1000);
  const floor = nowSec - revocationHorizonSeconds(deps.plan);
  const asked = Number(new URL(req.url ?? "/", "http://front").searchParams.get("since") ?? floor);
  const since = Number.isFinite(asked) ? Math.max(floor, Math.floor(asked)) : floor;
  const records = await deps.store.listRevocations(since);
  res.writeHead(200, headers);
  res.end(JSON.stringify({ now: nowSec, since, revocations: records.map((r) => ({ kind: r.kind, id: r.id, at: r.at })) }));
}
