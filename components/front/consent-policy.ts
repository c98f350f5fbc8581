import type { KoaContextWithOIDC } from "oidc-provider";
import { interactionPolicy } from "oidc-provider";
import type { McpAuthPlan } from "../plan/schema.js";
import { scopeSensitivity, serverByResource } from "./policy.js";
import type { ConsentRecord, FrontStore } from "./store/types.js";

/**
 * Consent as declared, beyond what oidc-provider's own consent prompt knows:
 * - per-action consent: a request naming a critical scope always shows the consent (and step-up)
 *   pages, even when an earlier grant holds the scope; no refresh token ever carries such a scope;
 * - re-consent cadence: a high or critical scope whose stored consent date is older than the
 *   server's `reconsentDays` is asked for again, and a refresh no longer yields it;
 * - a scope the user declined earlier is offered again when a client asks for it again.
 */

/** Whether a scope is approved per action (plan consent mode `per-action`, i.e. critical by default). */
export function isPerAction(plan: McpAuthPlan, scope: string): boolean {
  const level = scopeSensitivity(plan, scope);
  return plan.sensitivities.some((s) => s.level === level && s.consent === "per-action");
}

/**
 * Scopes of `record` whose consent is older than the server's re-consent cadence at `nowSec`
 * (routine scopes have no cadence). Scopes without a stored date count as due (fail closed).
 */
export function reconsentDue(plan: McpAuthPlan, resource: string, scopes: Iterable<string>, record: ConsentRecord | undefined, nowSec: number): string[] {
  const server = serverByResource(plan, resource);
  if (!server) return [...scopes];
  const due: string[] = [];
  for (const s of scopes) {
    const level = scopeSensitivity(plan, s);
    if (level === "routine") continue;
    const days = server.consent.reconsentDays[level];
    const at = record?.scopes[s];
    if (at === undefined || nowSec - at > days * 86_400) due.push(s);
  }
  return due;
}

function requested(ctx: KoaContextWithOIDC): Set<string> {
  return ctx.oidc.requestParamScopes as Set<string>;
}

/** The interaction policy: oidc-provider's login and consent prompts plus the checks above. */
export function interactionPolicyFor(plan: McpAuthPlan, store: FrontStore, now: () => number): ReturnType<typeof interactionPolicy.base> {
  const policy = interactionPolicy.base();
  const consent = policy.get("consent");
  const { Check } = interactionPolicy;
  consent?.checks.add(
    new Check("per_action_consent", "scopes with per-action consent were requested", (ctx: KoaContextWithOIDC) => {
      if (ctx.oidc.result?.["consent"]) return Check.NO_NEED_TO_PROMPT;
      return [...requested(ctx)].some((s) => isPerAction(plan, s)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  consent?.checks.add(
    new Check("declined_scopes_requested", "scopes declined earlier were requested again", (ctx: KoaContextWithOIDC) => {
      if (ctx.oidc.result?.["consent"] || !ctx.oidc.grant) return Check.NO_NEED_TO_PROMPT;
      const asked = requested(ctx);
      for (const indicator of Object.keys(ctx.oidc.resourceServers ?? {})) {
        const rejected = ctx.oidc.grant.getRejectedResourceScope(indicator).split(" ");
        if (rejected.some((s: string) => s && asked.has(s))) return Check.REQUEST_PROMPT;
      }
      return Check.NO_NEED_TO_PROMPT;
    }),
  );
  consent?.checks.add(
    new Check("reconsent_due", "the consent for a requested scope is older than its re-consent cadence", async (ctx: KoaContextWithOIDC) => {
      if (ctx.oidc.result?.["consent"] || !ctx.oidc.grant || !ctx.oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
      const asked = requested(ctx);
      const nowSec = Math.floor(now() / 1000);
      for (const indicator of Object.keys(ctx.oidc.resourceServers ?? {})) {
        const held = ctx.oidc.grant.getResourceScopeEncountered(indicator).split(" ").filter((s: string) => s && asked.has(s));
        const granted = held.filter((s: string) => ctx.oidc.grant!.getRejectedResourceScope(indicator).split(" ").indexOf(s) < 0);
        if (granted.length === 0) continue;
        const record = await store.getConsent(ctx.oidc.session.accountId, ctx.oidc.client!.clientId, indicator);
        if (reconsentDue(plan, indicator, granted, record, nowSec).length > 0) return Check.REQUEST_PROMPT;
      }
      return Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}
