import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import type { McpAuthPlan } from "../../plan/schema.js";
import { readBodyText } from "../body.js";
import type { FrontStore } from "../store/types.js";
import { createDcrGuard, type DcrDenyList, type DcrSignals } from "./dcr.js";

/**
 * The front's RFC 7591 registration endpoint (`POST /reg`) before oidc-provider: the DCR guard
 * (registration/dcr.ts) answers every refusal itself (429 with Retry-After, or 400 with the RFC 7591
 * error) and hands oidc-provider only the metadata the tier allows. The outcome of a request the
 * guard let through (the issued client id, or oidc-provider's own refusal) is recorded from
 * oidc-provider's `registration_create` events.
 */

const MAX_BODY_BYTES = 64 * 1024;

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...extra });
  res.end(JSON.stringify(body));
}

/** The request body as JSON, `undefined` when it is not JSON (the guard refuses it). */
async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) return undefined;
  try {
    return JSON.parse(await readBodyText(req, MAX_BODY_BYTES, "registration request"));
  } catch {
    return undefined;
  }
}

/**
 * What oidc-provider registers: the guard's metadata with `scope` reduced to OpenID scopes (MCP
 * resource scopes were checked against the tier by the guard and are capped per tier by the
 * resource server info at every token; oidc-provider only knows `openid` and `offline_access`).
 */
function forProvider(metadata: Record<string, unknown>): Record<string, unknown> {
  const out = { ...metadata };
  if (typeof out["scope"] === "string") {
    const oidc = out["scope"].split(" ").filter((s) => s === "openid" || s === "offline_access");
    if (oidc.length) out["scope"] = oidc.join(" ");
    else delete out["scope"];
  }
  return out;
}

/**
 * @returns undefined when the plan has no DCR tier (oidc-provider's registration is disabled then),
 * else a handler that answers refused registrations itself (true) or prepares the request for
 * oidc-provider (false). @throws Error naming a malformed `dcrDenyList` entry.
 */
export function createRegistrationEndpoint(deps: { plan: McpAuthPlan; store: FrontStore; provider: Provider; now: () => number; log: (line: string) => void; denyList?: DcrDenyList }) {
  const tier = deps.plan.tiers.find((t) => t.registration === "dcr");
  if (!tier) return undefined;
  const guard = createDcrGuard({ tier, store: deps.store, plan: deps.plan, now: deps.now, ...(deps.denyList ? { denyList: deps.denyList } : {}) });
  const sourceOf = (req: IncomingMessage) => req.socket.remoteAddress ?? "unknown";
  const passed = new WeakMap<IncomingMessage, { sourceIp: string; signals: DcrSignals }>();
  const outcome = (req: IncomingMessage, result: { clientId: string } | { refused: string }) => {
    const seen = passed.get(req);
    if (!seen) return;
    passed.delete(req);
    guard.recordOutcome({ ...seen, ...result }).catch((err: Error) => deps.log(`registration record not stored: ${err.message}`));
  };
  type Ctx = { req: IncomingMessage };
  const on = deps.provider.on.bind(deps.provider) as (event: string, listener: (...args: unknown[]) => void) => void;
  on("registration_create.success", (ctx: unknown, client: unknown) => outcome((ctx as Ctx).req, { clientId: String((client as { clientId?: string }).clientId ?? "") }));
  on("registration_create.error", (ctx: unknown, err: unknown) =>
    outcome((ctx as Ctx).req, { refused: `${String((err as { error?: string }).error ?? "invalid_client_metadata")}: ${String((err as { error_description?: string; message?: string }).error_description ?? (err as Error).message)}` }),
  );

  return async (req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<boolean> => {
    const sourceIp = sourceOf(req);
    const verdict = await guard.check({ sourceIp, metadata: await readJson(req) });
    if (!verdict.ok) {
      deps.log(`client registration refused: ${verdict.error}: ${verdict.description}`);
      // RFC 7591 §3.2.2 (429 for the rate limit, RFC 6585): nothing is stored.
      json(res, verdict.status, { error: verdict.error, error_description: verdict.description }, verdict.retryAfter !== undefined ? { "retry-after": String(verdict.retryAfter) } : {});
      return true;
    }
    passed.set(req, { sourceIp, signals: verdict.signals });
    req.body = forProvider(verdict.metadata);
    return false;
  };
}
