import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import type { McpAuthPlan } from "../../plan/schema.js";
import { readBodyText } from "../body.js";
import type { FrontStore, RegistrationRecord } from "../store/types.js";
import { denyListChecker, registrationGateFor, registrationSignals, type DcrDenyList } from "./wiring.js";

/**
 * The front's side of the RFC 7591 registration endpoint (`POST /reg`), before oidc-provider:
 * the per-source rate limit (429 + Retry-After), the deny list (400 invalid_client_metadata), and a
 * {@link RegistrationRecord} of risk signals (source IP, software id, redirect hosts) for every
 * attempt, accepted or refused. Metadata rules of the DCR tier run in oidc-provider's validator.
 */

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...extra });
  res.end(JSON.stringify(body));
}

/**
 * Reads the body for oidc-provider (`req.body`). The `scope` member is reduced to OpenID scopes:
 * MCP resource scopes are capped per tier by the resource server info instead (RFC 7591 §3.2.1
 * lets the server register different metadata than requested).
 */
async function readRegistration(req: IncomingMessage & { body?: unknown }): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(await readBodyText(req, 64 * 1024, "registration request"));
  } catch {
    body = {};
  }
  if (body && typeof body === "object" && !Array.isArray(body) && typeof (body as { scope?: unknown }).scope === "string") {
    const oidc = (body as { scope: string }).scope.split(" ").filter((s) => s === "openid" || s === "offline_access");
    if (oidc.length) (body as { scope: string }).scope = oidc.join(" ");
    else delete (body as { scope?: string }).scope;
  }
  req.body = body;
  return body;
}

export function createRegistrationEndpoint(deps: { plan: McpAuthPlan; store: FrontStore; provider: Provider; now: () => number; log: (line: string) => void; denyList?: DcrDenyList }) {
  const gate = registrationGateFor(deps.plan, deps.now);
  const denied = denyListChecker(deps.denyList);
  const sourceOf = (req: IncomingMessage) => req.socket.remoteAddress ?? "unknown";
  const record = (r: Omit<RegistrationRecord, "via" | "at">) =>
    deps.store.recordRegistration({ ...r, via: "dcr", at: Math.floor(deps.now() / 1000) }).catch((err: Error) => deps.log(`registration record not stored: ${err.message}`));
  type Ctx = { req: IncomingMessage & { body?: unknown } };
  const on = deps.provider.on.bind(deps.provider) as (event: string, listener: (...args: unknown[]) => void) => void;
  on("registration_create.success", (ctx: unknown, client: unknown) => {
    const req = (ctx as Ctx).req;
    void record({ clientId: String((client as { clientId?: string }).clientId ?? ""), sourceIp: sourceOf(req), ...registrationSignals(req.body), accepted: true });
  });
  on("registration_create.error", (ctx: unknown, err: unknown) => {
    const req = (ctx as Ctx).req;
    void record({ clientId: "", sourceIp: sourceOf(req), ...registrationSignals(req.body), accepted: false, reason: String((err as { error_description?: string; message?: string }).error_description ?? (err as Error).message) });
  });

  /** Answers refused registrations itself (true); otherwise prepares the request for oidc-provider. */
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const sourceIp = sourceOf(req);
    const wait = gate?.take(sourceIp) ?? 0;
    if (wait > 0) {
      deps.log(`client registration refused: over ${gate?.perMinute}/minute`);
      await record({ clientId: "", sourceIp, redirectHosts: [], accepted: false, reason: "rate limit" });
      json(res, 429, { error: "too_many_requests", error_description: `client registration is limited to ${gate?.perMinute} per minute for tier '${gate?.tierName}'; retry in ${wait}s` }, { "retry-after": String(wait) });
      return true;
    }
    const signals = registrationSignals(await readRegistration(req));
    const why = denied({ sourceIp, ...signals });
    if (why) {
      deps.log(`client registration refused: ${why}`);
      await record({ clientId: "", sourceIp, ...signals, accepted: false, reason: why });
      // RFC 7591 §3.2.2: the metadata is refused; nothing is stored.
      json(res, 400, { error: "invalid_client_metadata", error_description: `registration refused: ${why}` });
      return true;
    }
    return false;
  };
}
