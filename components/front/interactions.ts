import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import type { McpAuthPlan } from "../plan/schema.js";
import { isPerAction, reconsentDue } from "./consent-policy.js";
import { FederationError, signInFailedLine, type Federation } from "./federation.js";
import { consentPage, errorPage, stepUpPage, type ClientView, type ResourceConsentView, type ScopeView } from "./pages.js";
import { accessTokenSeconds, grantableScopes, needsStepUp, serverByResource, tierOfClient, tierScopes, type FrontUser } from "./policy.js";
import type { FrontStore } from "./store/types.js";
import { readBodyText } from "./body.js";
import { isUrlClientId } from "./model-adapter.js";
import { isLoopbackUrl } from "./registration/redirect-uris.js";

function isLoopbackUri(uri: string): boolean {
  try {
    return isLoopbackUrl(new URL(uri));
  } catch {
    return false;
  }
}

/**
 * The interaction routes of the front (`/interaction/:uid[/action]`): sign-in at the upstream IdP
 * (federation.ts), consent (mandatory vs optional scopes) and step-up for high/critical scopes.
 * The page never grants a scope outside requested ∩ client tier ∩ user's groups (policy.ts).
 * Every consent is recorded in the store with its date (re-consent cadence, the grants page).
 */

export interface InteractionOptions {
  provider: Provider;
  plan: McpAuthPlan;
  store: FrontStore;
  federation: Federation;
  now: () => number;
  /** Dev/test only: approve every grantable scope without showing pages. */
  autoApprove?: boolean;
  /** Receives one line per auto-approval (never tokens or codes). */
  log?: (line: string) => void;
}

interface Pending {
  csrf: string;
  /** Computed on the consent GET; POSTs only pick from these lists. */
  views?: ResourceConsentView[];
  /** Chosen on the consent page, waiting for step-up: resource → scopes. */
  chosen?: Record<string, string[]>;
}

/** Model name of the per-interaction page state in the store (any instance can answer a POST). */
const STATE_MODEL = "InteractionState";
/** Model name of a finished upstream sign-in waiting for its interaction (see front.ts). */
export const FEDERATED_RESULT_MODEL = "FederatedResult";

const MAX_BODY = 16 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") throw new Error("expected an application/x-www-form-urlencoded form post");
  return new URLSearchParams(await readBodyText(req, MAX_BODY, "form body"));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    // No scripts at all; no form-action (the final redirect goes to the client's redirect URI).
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(html);
}

function sameToken(a: string | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Creates the request handler; it returns false for paths it does not own. */
export function createInteractionHandler(opts: InteractionOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { provider, plan, store } = opts;
  const states = store.adapter(STATE_MODEL);
  const results = store.adapter(FEDERATED_RESULT_MODEL);
  const save = (uid: string, st: Pending) => states.upsert(uid, st as never, 3600);

  function scopeView(name: string, minutes?: number): ScopeView {
    const s = plan.scopes.find((x) => x.name === name);
    return { name, displayName: s?.displayName ?? name, description: s?.description ?? "", sensitivity: s?.sensitivity ?? "critical", ...(minutes !== undefined ? { minutes } : {}) };
  }

  async function clientView(clientId: string, redirectUri: string): Promise<ClientView> {
    const client = await provider.Client.find(clientId);
    let host = "(unknown)";
    try {
      host = new URL(redirectUri).host;
    } catch {
      /* shown as unknown */
    }
    // MCP 2026-07-28 Security Considerations, "Localhost Redirect URI Risks": a client ID metadata
    // document cannot prevent localhost impersonation, so authorization servers "SHOULD display
    // additional warnings for localhost-only redirect URIs".
    const redirectUris = (client?.redirectUris as string[] | undefined) ?? [];
    const loopbackOnly = isUrlClientId(clientId) && redirectUris.length > 0 && redirectUris.every(isLoopbackUri);
    return { clientId, name: (client?.clientName as string | undefined) ?? clientId, tier: tierOfClient(plan, clientId)?.name ?? "(none)", redirectHost: host, ...(loopbackOnly ? { loopbackOnly } : {}) };
  }

  /**
   * What the consent page offers. At install (no consent yet from this user to this client for
   * this server), scopes whose sensitivity is not granted at install (high, critical) are not
   * offered: the client asks for them when the edge challenges their first use (step-up).
   */
  function consentViews(clientId: string, user: FrontUser, missing: Record<string, string[]>, installed: ReadonlySet<string>): ResourceConsentView[] {
    const tier = tierOfClient(plan, clientId);
    const laterLevels = new Set<string>(plan.sensitivities.filter((x) => !x.atInstall).map((x) => x.level));
    return Object.entries(missing).map(([resource, requested]) => {
      const server = serverByResource(plan, resource);
      const view: ResourceConsentView = { resource, serverName: server?.displayName ?? resource, mandatory: [], optional: [], stepUp: [], unavailable: [] };
      if (!server) {
        view.unavailable = requested.map((s) => ({ ...scopeView(s), reason: "unknown MCP server" }));
        return view;
      }
      const grantable = new Set(grantableScopes(plan, server, tier, user, requested));
      const tierSet = new Set(tierScopes(server, tier));
      for (const s of [...new Set(requested)].sort()) {
        const minutes = accessTokenSeconds(plan, server, tier, [s]) / 60;
        if (!grantable.has(s)) view.unavailable.push({ ...scopeView(s), reason: tierSet.has(s) ? `not granted to ${user.username}'s groups` : `above the '${tier?.name ?? "none"}' client tier's cap` });
        else if (!installed.has(resource) && laterLevels.has(scopeView(s).sensitivity)) view.unavailable.push({ ...scopeView(s), reason: "not at install: the client asks again when it first needs it" });
        else if (needsStepUp(plan, s)) view.stepUp.push(scopeView(s, minutes));
        else if (server.consent.mandatory.includes(s)) view.mandatory.push(scopeView(s, minutes));
        else view.optional.push(scopeView(s, minutes));
      }
      return view;
    });
  }

  /** Stores the consent dates: approved scopes offered now are dated now; declined ones leave. */
  async function recordConsent(sub: string, clientId: string, grantId: string, granted: Map<string, string[]>, views: ResourceConsentView[]): Promise<void> {
    const nowSec = Math.floor(opts.now() / 1000);
    for (const v of views) {
      const prior = await store.getConsent(sub, clientId, v.resource);
      const scopes = { ...(prior?.scopes ?? {}) };
      const yes = new Set(granted.get(v.resource) ?? []);
      for (const s of [...v.mandatory, ...v.optional, ...v.stepUp, ...v.unavailable]) {
        if (yes.has(s.name)) scopes[s.name] = nowSec;
        else delete scopes[s.name];
      }
      const grantIds = [...new Set([...(prior?.grantIds ?? []), grantId])];
      await store.putConsent({ sub, clientId, resource: v.resource, scopes, grantIds, updatedAt: nowSec });
    }
  }

  async function finish(req: IncomingMessage, res: ServerResponse, uid: string, granted: Map<string, string[]>, views: ResourceConsentView[]): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const accountId = details.session?.accountId;
    const clientId = details.params["client_id"] as string;
    if (!accountId) throw new Error("no signed-in user for this interaction");
    const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
    const missingOidc = (details.prompt.details["missingOIDCScope"] as string[] | undefined) ?? [];
    const oidc = missingOidc.filter((s) => s === "openid" || s === "offline_access");
    if (oidc.length) grant.addOIDCScope(oidc.join(" "));
    const rejectedOidc = missingOidc.filter((s) => s !== "openid" && s !== "offline_access");
    if (rejectedOidc.length) grant.rejectOIDCScope(rejectedOidc.join(" "));
    for (const v of views) {
      const yes = granted.get(v.resource) ?? [];
      const all = [...v.mandatory, ...v.optional, ...v.stepUp, ...v.unavailable].map((s) => s.name);
      const no = all.filter((s) => !yes.includes(s));
      if (yes.length) {
        // A scope declined earlier and accepted now leaves the rejected list (it would mask the grant).
        const rejected = (grant as unknown as { rejected?: { resources?: Record<string, string> } }).rejected?.resources;
        if (rejected?.[v.resource]) rejected[v.resource] = rejected[v.resource]!.split(" ").filter((s) => !yes.includes(s)).join(" ");
        // Re-offered scopes (per-action) that are declined now leave the granted list.
        const held = (grant as unknown as { resources?: Record<string, string> }).resources;
        grant.addResourceScope(v.resource, yes.join(" "));
        if (held?.[v.resource]) held[v.resource] = held[v.resource]!.split(" ").filter((s) => yes.includes(s) || !all.includes(s)).join(" ");
      }
      // Rejected scopes count as "encountered", so the consent prompt does not loop on them.
      if (no.length) grant.rejectResourceScope(v.resource, no.join(" "));
    }
    const grantId = await grant.save();
    await recordConsent(accountId, clientId, grantId, granted, views);
    await states.destroy(uid);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, errorPage("Interaction mismatch", "This page does not belong to your current sign-in. Start again from the client."));
    let state = (await states.find(uid)) as unknown as Pending | undefined;
    if (!state) await save(uid, (state = { csrf: randomBytes(24).toString("base64url") }));
    const clientId = details.params["client_id"] as string;
    const client = await clientView(clientId, String(details.params["redirect_uri"] ?? ""));
    const base = `/interaction/${encodeURIComponent(uid)}`;
    const auto = opts.autoApprove;

    if (req.method === "POST") {
      const form = await readForm(req);
      if (!sameToken(form.get("csrf"), state.csrf)) return send(res, 403, errorPage("Request refused", "The form's CSRF token is missing or wrong. Reload the page and try again."));
      if (action === "abort" || form.get("decision") === "deny") {
        await states.destroy(uid);
        opts.log?.(signInFailedLine({ reason: "user_refused", clientId, message: "the user refused at the front's consent page" }));
        return void (await provider.interactionFinished(req, res, { error: "access_denied", error_description: "the user denied the request" }, { mergeWithLastSubmission: false }));
      }
      if (action === "consent" && details.prompt.name === "consent" && state.views) {
        const chosen = new Map<string, string[]>();
        const ticked = new Set(form.getAll("optional"));
        for (const v of state.views) chosen.set(v.resource, [...v.mandatory.map((s) => s.name), ...v.optional.filter((s) => ticked.has(`${v.resource} ${s.name}`)).map((s) => s.name)]);
        if (state.views.some((v) => v.stepUp.length > 0)) {
          state.chosen = Object.fromEntries(chosen);
          await save(uid, state);
          res.writeHead(303, { location: `${base}/step-up`, "cache-control": "no-store" });
          return void res.end();
        }
        return finish(req, res, uid, chosen, state.views);
      }
      if (action === "step-up" && details.prompt.name === "consent" && state.views && state.chosen) {
        const user = (await opts.federation.account(details.session?.accountId ?? ""))?.username ?? "";
        const chosen = new Map(Object.entries(state.chosen).map(([r, s]) => [r, [...s]]));
        if (form.get("decision") === "allow") {
          if (!user || form.get("confirm_username") !== user) return send(res, 400, stepUpPage(`${base}/step-up`, state.csrf, client, user, state.views, "The username does not match the signed-in user; nothing was granted."));
          const ticked = new Set(form.getAll("scope"));
          for (const v of state.views) chosen.get(v.resource)?.push(...v.stepUp.filter((s) => ticked.has(`${v.resource} ${s.name}`)).map((s) => s.name));
        }
        return finish(req, res, uid, chosen, state.views);
      }
      return send(res, 400, errorPage("Unexpected form", `Action '${action ?? ""}' does not fit the '${details.prompt.name}' step.`));
    }

    if (action === "federated") {
      // The upstream sign-in finished (front.ts stored its outcome under this interaction).
      const outcome = (await results.find(uid)) as unknown as { accountId?: string; authTime?: number; error?: string } | undefined;
      await results.destroy(uid);
      if (!outcome) return send(res, 400, errorPage("Sign-in failed", "No finished sign-in for this page. Start again from the client."));
      if (outcome.error || !outcome.accountId) {
        return void (await provider.interactionFinished(req, res, { error: "access_denied", error_description: outcome.error ?? "sign-in failed" }, { mergeWithLastSubmission: false }));
      }
      return void (await provider.interactionFinished(req, res, { login: { accountId: outcome.accountId, amr: ["federated"], ...(outcome.authTime ? { ts: outcome.authTime } : {}) } }, { mergeWithLastSubmission: false }));
    }
    if (action === "step-up" && state.views && state.chosen) {
      const account = await opts.federation.account(details.session?.accountId ?? "");
      return send(res, 200, stepUpPage(`${base}/step-up`, state.csrf, client, account?.username ?? "", state.views));
    }
    if (details.prompt.name === "login") {
      // Sign-in happens at the upstream IdP (OIDC code + PKCE); it comes back to `federated`.
      let location: string;
      try {
        location = await opts.federation.start("interaction", uid);
      } catch (err) {
        if (err instanceof FederationError) opts.log?.(signInFailedLine({ reason: err.reason, clientId, message: err.message }));
        throw err;
      }
      res.writeHead(303, { location, "cache-control": "no-store" });
      return void res.end();
    }
    if (details.prompt.name === "consent") {
      const user = await opts.federation.account(details.session?.accountId ?? "");
      if (!user) return send(res, 400, errorPage("Unknown user", "The signed-in user is not known to this server. Start again from the client."));
      const missing = { ...((details.prompt.details["missingResourceScopes"] as Record<string, string[]> | undefined) ?? {}) };
      // Per-action scopes (critical) are asked for on every authorization, even when already granted.
      const requested = String(details.params["scope"] ?? "").split(" ").filter((s) => s && isPerAction(plan, s));
      const resources = ([] as unknown[]).concat(details.params["resource"] ?? []).map(String);
      const asked = String(details.params["scope"] ?? "").split(" ").filter(Boolean);
      const prior = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
      for (const r of resources) {
        const server = serverByResource(plan, r);
        // Declined earlier, requested again: offered again.
        const declined = prior ? prior.getRejectedResourceScope(r).split(" ").filter((s) => asked.includes(s)) : [];
        // Consent older than the re-consent cadence: asked again.
        const held = prior ? prior.getResourceScopeFiltered(r, asked).split(" ").filter(Boolean) : [];
        const due = held.length ? reconsentDue(plan, r, held, await store.getConsent(user.sub, clientId, r), Math.floor(opts.now() / 1000)) : [];
        const again = [...requested, ...declined, ...due].filter((s) => server?.scopes.includes(s));
        if (again.length) missing[r] = [...new Set([...(missing[r] ?? []), ...again])];
      }
      const installed = new Set<string>();
      for (const r of Object.keys(missing)) if (await store.getConsent(user.sub, clientId, r)) installed.add(r);
      state.views = consentViews(clientId, user, missing, installed);
      await save(uid, state);
      if (auto) {
        const all = new Map(state.views.map((v) => [v.resource, [...v.mandatory, ...v.optional, ...v.stepUp].map((s) => s.name)]));
        opts.log?.(`auto-approve: '${user.username}' granted client '${clientId}': ${[...all.values()].flat().join(" ") || "(no new scopes)"}`);
        return finish(req, res, uid, all, state.views);
      }
      return send(res, 200, consentPage(`${base}/consent`, state.csrf, client, user.username, state.views));
    }
    return send(res, 400, errorPage("Unsupported step", `The '${details.prompt.name}' prompt is not supported by this server.`));
  }

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://local");
    const m = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(federated|consent|step-up|abort))?\/?$/.exec(url.pathname);
    if (!m) return false;
    if (req.method !== "GET" && req.method !== "POST") {
      res.writeHead(405, { allow: "GET, POST" });
      res.end();
      return true;
    }
    try {
      await handle(req, res, m[1] as string, m[2]);
    } catch (err) {
      const name = (err as Error).name;
      const msg = name === "SessionNotFound" ? "This sign-in has expired or its cookie is missing. Start again from the client." : (err as Error).message;
      if (!res.headersSent) send(res, name === "SessionNotFound" ? 400 : 500, errorPage("Sign-in failed", msg));
    }
    return true;
  };
}
