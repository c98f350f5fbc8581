import { createHash } from "node:crypto";
import type { Sensitivity } from "../../model/sensitivity.js";
import { OFFLINE_ACCESS } from "../../plan/compile.js";
import type { McpAuthPlan, PlanServer, PlanServerAccess, PlanTier } from "../../plan/schema.js";
import type { ResolvedOktaArgs } from "./args.js";
import {
  MINUTES_PER_DAY,
  OKTA_ACCESS_TOKEN_MINUTES,
  OKTA_APP_CONSENT,
  OKTA_APP_GRANT,
  OKTA_APP_TYPE,
  OKTA_EVERYONE,
  OKTA_METADATA_PUBLISH,
  OKTA_REFRESH_ROTATION,
  OKTA_REFRESH_WINDOW_MINUTES,
  OKTA_RULE_GRANT,
  OKTA_SCOPE_CONSENT,
  type OktaAppConsent,
  type OktaAppGrant,
  type OktaAppType,
  type OktaAuthMethod,
  type OktaMetadataPublish,
  type OktaRefreshRotation,
  type OktaRuleGrant,
  type OktaScopeConsent,
} from "./constants.js";
import { orderLinks, ruleChain, type ChainLink } from "./rule-chain.js";
import { nativeRedirects } from "./validate.js";

/**
 * The Okta layout: the plan mapped onto Okta objects as plain data. The component only turns this
 * into resources, so every mapping decision lives (and is unit-tested) here.
 */
export interface OktaAppSpec {
  /** `<tier>/<client>`. */
  readonly key: string;
  readonly tier: string;
  readonly client: string;
  readonly label: string;
  readonly type: OktaAppType;
  readonly grantTypes: readonly OktaAppGrant[];
  readonly responseTypes?: readonly ["code"];
  readonly redirectUris: readonly string[];
  readonly pkceRequired: boolean;
  readonly tokenEndpointAuthMethod: OktaAuthMethod;
  readonly consentMethod?: OktaAppConsent;
  readonly refreshTokenRotation?: OktaRefreshRotation;
  readonly jwksUri?: string;
  /** Keeps a client secret out of Pulumi state; false only for client_secret_* clients, which need theirs. */
  readonly omitSecret: boolean;
  /** Plan groups assigned to the app (users must be assigned to sign in). */
  readonly groups: readonly string[];
}

export interface OktaScopeSpec {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly sensitivity: Sensitivity;
  readonly consent: OktaScopeConsent;
  readonly metadataPublish: OktaMetadataPublish;
  readonly optional: boolean;
  /** Never a default scope: a client that omits `scope` gets nothing. */
  readonly default: false;
}

export interface OktaRuleSpec {
  readonly name: string;
  readonly priority: number;
  readonly grantTypes: readonly OktaRuleGrant[];
  /** Scope whitelist, including `offline_access` when the tier may refresh. Never `*`. */
  readonly scopes: readonly string[];
  /** Plan group names, or `EVERYONE`. */
  readonly groups: readonly string[] | typeof OKTA_EVERYONE;
  readonly levels: readonly Sensitivity[];
  readonly accessTokenMinutes: number;
  readonly refreshTokenLifetimeMinutes?: number;
  readonly refreshTokenWindowMinutes?: number;
}

export interface OktaPolicySpec {
  readonly tier: string;
  readonly name: string;
  readonly description: string;
  readonly priority: number;
  /** Apps created by this component (`<tier>/<client>` keys). */
  readonly appKeys: readonly string[];
  /** Client ids registered elsewhere (`args.externalClients`). */
  readonly externalClientIds: readonly string[];
  readonly rules: readonly OktaRuleSpec[];
}

export interface OktaClaimSpec {
  readonly kind: "tenant" | "agent";
  readonly name: string;
  /** Okta Expression Language. */
  readonly value: string;
}

export interface OktaServerSpec {
  readonly server: PlanServer;
  readonly name: string;
  readonly description: string;
  readonly scopes: readonly OktaScopeSpec[];
  readonly policies: readonly OktaPolicySpec[];
  readonly claims: readonly OktaClaimSpec[];
  /** The edge introspects tokens carrying these scopes (immediate revocation). */
  readonly introspectScopes: readonly string[];
}

export interface OktaLayout {
  readonly apps: readonly OktaAppSpec[];
  readonly servers: readonly OktaServerSpec[];
  /** Browser origins that need an Okta CORS trusted origin to call `/token`. */
  readonly origins: readonly string[];
  /** Plan groups referenced by rules or assignments. */
  readonly groups: readonly string[];
  readonly needsIntrospectionClient: boolean;
}

/** Okta names are limited; keep them readable and unique (a short hash when shortened). */
export function oktaName(name: string, max = 50): string {
  if (name.length <= max) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 6);
  return `${name.slice(0, max - 7)}~${hash}`;
}

const USER_GRANTS = {
  authorization_code: OKTA_RULE_GRANT.authorizationCode,
  "urn:ietf:params:oauth:grant-type:device_code": OKTA_RULE_GRANT.deviceCode,
  "urn:ietf:params:oauth:grant-type:token-exchange": OKTA_RULE_GRANT.tokenExchange,
} as const satisfies Record<string, OktaRuleGrant>;

/** The tier's grant types Okta rules can express, split by whether a user is present. */
export function tierGrants(tier: PlanTier): { user: OktaRuleGrant[]; client: OktaRuleGrant[]; refresh: boolean } {
  const user = tier.grantTypes.flatMap((g) => (g in USER_GRANTS ? [USER_GRANTS[g as keyof typeof USER_GRANTS]] : []));
  const client = tier.grantTypes.includes("client_credentials") ? [OKTA_RULE_GRANT.clientCredentials] : [];
  return { user, client, refresh: tier.grantTypes.includes("refresh_token") && user.length > 0 };
}

/** Okta bounds access tokens to 5–1440 minutes; a shorter declared value is left to the edge (see capabilities). */
export const clampAccessMinutes = (m: number): number => Math.min(OKTA_ACCESS_TOKEN_MINUTES.max, Math.max(OKTA_ACCESS_TOKEN_MINUTES.min, m));

function refreshMinutes(access: PlanServerAccess, longestAccess: number): { refreshTokenLifetimeMinutes: number; refreshTokenWindowMinutes: number } {
  const lifetime = access.refreshToken.lifetimeDays * MINUTES_PER_DAY;
  const idle = (access.refreshToken.idleDays ?? access.refreshToken.lifetimeDays) * MINUTES_PER_DAY;
  // Okta: the window must lie between the access-token and the refresh-token lifetimes.
  const window = Math.min(lifetime, OKTA_REFRESH_WINDOW_MINUTES.max, Math.max(idle, longestAccess, OKTA_REFRESH_WINDOW_MINUTES.min));
  return { refreshTokenLifetimeMinutes: lifetime, refreshTokenWindowMinutes: window };
}

function policyFor(plan: McpAuthPlan, server: PlanServer, tier: PlanTier, access: PlanServerAccess, args: ResolvedOktaArgs, priority: number): OktaPolicySpec | undefined {
  const appKeys = tier.clients.map((c) => `${tier.name}/${c.name}`);
  const externalClientIds = [...(args.externalClients[tier.name] ?? [])];
  if (access.scopes.length === 0 || appKeys.length + externalClientIds.length === 0) return undefined;
  const level = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
  const levelOf = (s: string): Sensitivity => level.get(s) ?? "critical";
  const minutes = {
    routine: clampAccessMinutes(access.accessTokenMinutes.routine),
    high: clampAccessMinutes(access.accessTokenMinutes.high),
    critical: clampAccessMinutes(access.accessTokenMinutes.critical),
  };
  const grants = tierGrants(tier);
  type Tagged = ChainLink & { grantTypes: OktaRuleGrant[]; groups: OktaRuleSpec["groups"]; refresh: boolean; label: string };
  const chain = (grantTypes: OktaRuleGrant[], scopes: readonly string[], groups: OktaRuleSpec["groups"], refresh: boolean, label: string): Tagged[] =>
    ruleChain(scopes, levelOf, minutes).map((link) => ({ ...link, grantTypes, groups, refresh, label }));
  const userLinks: Tagged[] = [];
  if (grants.user.length > 0) {
    if (plan.groups.length === 0) userLinks.push(...chain(grants.user, access.scopes, OKTA_EVERYONE, grants.refresh, "users"));
    else {
      // Group restriction: a member may hold the tier's scopes that one of their groups lists.
      for (const g of server.groups) {
        const scopes = access.scopes.filter((s) => g.scopes.includes(s));
        if (scopes.length > 0) userLinks.push(...chain(grants.user, scopes, [g.group], grants.refresh, g.group));
      }
    }
  }
  // No user in client_credentials: group restrictions do not apply (Okta: a "No user" rule).
  const clientLinks = grants.client.length > 0 ? chain(grants.client, access.scopes, OKTA_EVERYONE, false, "clients") : [];
  const rules: OktaRuleSpec[] = [...orderLinks(userLinks), ...clientLinks].map((l, i) => {
    // No refresh token for a grant holding a critical scope: a refresh would renew a per-action
    // grant without the user (and reset `iat`, the edge's only clock). Without `offline_access` in
    // the rule, Okta refuses a request for it together with a critical scope (no matching rule).
    const refresh = l.refresh && !l.levels.includes("critical");
    return {
      name: oktaName(`${tier.name} ${l.label} ${l.levels.join("+")}`),
      priority: i + 1,
      grantTypes: l.grantTypes,
      scopes: refresh ? [...l.scopes, OFFLINE_ACCESS] : l.scopes,
      groups: l.groups,
      levels: l.levels,
      accessTokenMinutes: l.accessTokenMinutes,
      ...(refresh ? refreshMinutes(access, Math.max(minutes.routine, minutes.high, minutes.critical)) : {}),
    };
  });
  if (rules.length === 0) return undefined;
  return {
    tier: tier.name,
    name: oktaName(`${tier.name} clients`),
    description: `Tier '${tier.name}' (${tier.registration}, up to ${tier.maxSensitivity}) on ${server.resource}. Managed by pulumi-mcp-auth.`,
    priority,
    appKeys,
    externalClientIds,
    rules,
  };
}

function appFor(plan: McpAuthPlan, tier: PlanTier, client: PlanTier["clients"][number], args: ResolvedOktaArgs): OktaAppSpec {
  const grants = tierGrants(tier);
  const authCode = grants.user.includes(OKTA_RULE_GRANT.authorizationCode);
  const appGrants: OktaAppGrant[] = [...grants.user, ...(grants.refresh ? [OKTA_APP_GRANT.refreshToken] : []), ...grants.client];
  const type: OktaAppType =
    grants.user.length === 0
      ? OKTA_APP_TYPE.service
      : tier.clientType === "confidential"
        ? OKTA_APP_TYPE.web
        : nativeRedirects(client.redirectUris)
          ? OKTA_APP_TYPE.native
          : OKTA_APP_TYPE.browser;
  const jwksUri = client.jwksUri ?? args.clientJwksUris[`${tier.name}/${client.name}`];
  const method = tier.tokenEndpointAuthMethod;
  return {
    key: `${tier.name}/${client.name}`,
    tier: tier.name,
    client: client.name,
    label: oktaName(`${args.namePrefix} ${client.displayName}`, 100),
    type,
    grantTypes: appGrants,
    ...(authCode ? { responseTypes: ["code"] as const } : {}),
    redirectUris: client.redirectUris,
    // Okta's PKCE is S256; "plain" is declared weaker, so requiring S256 is stricter, never looser.
    pkceRequired: authCode && tier.pkce !== "none",
    tokenEndpointAuthMethod: method,
    // Consent per app: REQUIRED so that scope-level consent (high/critical) is always shown.
    ...(grants.user.length > 0 ? { consentMethod: OKTA_APP_CONSENT.required } : {}),
    // OAuth 2.1 §4.3.1: refresh tokens for public clients must be sender-constrained or rotated.
    ...(grants.refresh
      ? { refreshTokenRotation: tier.refreshToken.rotation || tier.clientType === "public" ? OKTA_REFRESH_ROTATION.rotate : OKTA_REFRESH_ROTATION.static }
      : {}),
    ...(method === "private_key_jwt" && jwksUri ? { jwksUri } : {}),
    omitSecret: method !== "client_secret_basic" && method !== "client_secret_post",
    groups: grants.user.length > 0 ? plan.groups.map((g) => g.name) : [],
  };
}

/**
 * Maps a plan onto Okta. Pure and deterministic; assumes `oktaPlanIssues` found nothing.
 */
export function oktaLayout(args: ResolvedOktaArgs): OktaLayout {
  const { plan } = args;
  const apps = plan.tiers.flatMap((t) => t.clients.map((c) => appFor(plan, t, c, args)));
  const scopeByName = new Map(plan.scopes.map((s) => [s.name, s]));
  // Least-trusted tier first: if a client were ever listed under two tiers, the narrower policy wins.
  const rank = { routine: 0, high: 1, critical: 2 } as const;
  const tierOrder = [...plan.tiers].sort((a, b) => rank[a.maxSensitivity] - rank[b.maxSensitivity] || (a.name < b.name ? -1 : 1));
  const servers = plan.servers.map((server): OktaServerSpec => {
    const policies: OktaPolicySpec[] = [];
    for (const tier of tierOrder) {
      const access = server.access.find((a) => a.tier === tier.name);
      const policy = access && policyFor(plan, server, tier, access, args, policies.length + 1);
      if (policy) policies.push(policy);
    }
    // Scopes a client-credentials tier may hold on this server (no user, so no consent screen).
    const agentScopes = new Set(
      server.access.filter((a) => tierGrants(plan.tiers.find((t) => t.name === a.tier)!).client.length > 0).flatMap((a) => a.scopes),
    );
    const scopes = server.scopes.map((name): OktaScopeSpec => {
      const s = scopeByName.get(name);
      return {
        name,
        displayName: s?.displayName ?? name,
        description: s?.description ?? name,
        sensitivity: s?.sensitivity ?? "critical",
        // Every consent mode is user-visible (install, explicit, per-action), and Okta lets a user
        // decline an optional scope only on the consent screen, so every scope asks users for consent.
        // REQUIRED would also refuse it to services, so scopes an agent tier holds here are FLEXIBLE.
        consent: agentScopes.has(name) ? OKTA_SCOPE_CONSENT.flexible : OKTA_SCOPE_CONSENT.required,
        // Only the mandatory scopes are advertised (MCP: a minimal scopes_supported).
        metadataPublish: server.consent.mandatory.includes(name) ? OKTA_METADATA_PUBLISH.allClients : OKTA_METADATA_PUBLISH.noClients,
        optional: server.consent.optional.includes(name),
        default: false,
      };
    });
    const claims: OktaClaimSpec[] = [];
    if (plan.claims.tenant) {
      claims.push({ kind: "tenant", name: plan.claims.tenant.claim, value: args.claimExpressions.tenant ?? `user.profile.${plan.claims.tenant.claim}` });
    }
    // `cid` is native; an RFC 8693 `act` object cannot be built with Okta Expression Language.
    const agent = plan.claims.agent?.claim;
    if (agent && agent !== "cid" && agent !== "act") claims.push({ kind: "agent", name: agent, value: args.claimExpressions.agent ?? "app.clientId" });
    return {
      server,
      name: oktaName(`${args.namePrefix} ${server.name}`),
      description: `${server.displayName}: ${server.resource}. Managed by pulumi-mcp-auth.`,
      scopes,
      policies,
      claims,
      introspectScopes: server.immediateRevocation,
    };
  });
  const origins = [...new Set(plan.servers.flatMap((s) => s.allowedOrigins))].sort();
  const groups = [...new Set([...apps.flatMap((a) => a.groups), ...servers.flatMap((s) => s.policies.flatMap((p) => p.rules.flatMap((r) => (Array.isArray(r.groups) ? r.groups : []))))])].sort();
  const needsIntrospectionClient = args.createIntrospectionClient && servers.some((s) => s.introspectScopes.length > 0);
  return { apps, servers, origins, groups, needsIntrospectionClient };
}
