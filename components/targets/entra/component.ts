import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import type { EdgeConfig } from "../../../lambda/config.js";
import { EntraArgsError, parseEntraArgs, type EntraMcpAuthArgs, type ParsedEntraMcpAuthArgs } from "./args.js";
import { identifierUriProblem } from "./domains.js";
import { entraRedirectUriProblems } from "./redirects.js";
import { ENTRA_PORTAL_VALUE_MAX_LENGTH } from "./ids.js";
import { entraEdgeConfig, entraIssuer, entraJwksUri } from "./edge.js";
import { tokenLifetimePolicy, type TokenLifetimePolicyRequest } from "./lifetime.js";
import { entraPlanSpec, type EntraPlanSpec, type EntraServerSpec } from "./mapping.js";
import type { FrontUpstream } from "../front-upstream.js";
import { entraFrontUpstream } from "./front.js";

/** The optional access-token claim naming the token type (`app` for app-only tokens). */
export const ENTRA_IDTYP_CLAIM = "idtyp";

/** Pulumi type token of the component. */
export const ENTRA_COMPONENT_TYPE = "pulumi-mcp-auth:entra:McpAuth";

/** What the component outputs per MCP server. */
export interface EntraServerOutputs {
  readonly resource: string;
  /** Application ID URI (= resource). */
  readonly identifierUri: string;
  /** The server application's client ID: `aud` of its v2 access tokens. */
  readonly applicationClientId: string;
  readonly applicationObjectId: string;
  readonly servicePrincipalObjectId: string;
  /** `https://login.microsoftonline.com/<tenant>/v2.0`. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** Accepted `aud` values: resource URI and client-ID GUID. */
  readonly audiences: string[];
  /** Short `scp` value → scope name used by the edge. */
  readonly scopeAliases: Record<string, string>;
  /** Declared scope → the scope string a client requests from Entra (`<identifier URI>/<value>`). */
  readonly requestScopes: Record<string, string>;
  /** Declared maximum token age per sensitivity, seconds (enforced by the edge). */
  readonly maxTokenAgeSeconds: EdgeConfig["maxTokenAgeSeconds"];
  /** Graph token lifetime policy to assign to the service principal (see docs/entra.md). */
  readonly tokenLifetimePolicy: TokenLifetimePolicyRequest & { readonly servicePrincipalObjectId: string };
  readonly edgeConfig: EdgeConfig;
}

/**
 * Provisions a compiled plan onto Microsoft Entra ID. Per MCP server: an application whose
 * identifier URI is the canonical resource URI (on a verified domain), v2 access tokens, one
 * delegated permission per scope (User consent for routine, Admin for high/critical, stable
 * UUIDv5 ids), an app role per declared group, an application permission per scope an agent tier
 * holds, a service principal, pre-authorization of every pre-registered client (no consent prompt),
 * optional admin-consent grants, implicit grant off. Per agent client (client-credentials tier): a
 * confidential application assigned its tier's application permissions.
 * Entra has no DCR, CIMD, RFC 8707 support, per-scope lifetimes or introspection: see
 * `entraCapabilityReport` for who enforces what.
 */
export class EntraMcpAuth extends pulumi.ComponentResource {
  /** What was mapped (plain data). */
  readonly spec: EntraPlanSpec;
  readonly tenantId: pulumi.Output<string>;
  readonly issuer: pulumi.Output<string>;
  readonly jwksUri: pulumi.Output<string>;
  /** Per server name. */
  readonly servers: pulumi.Output<Record<string, EntraServerOutputs>>;
  /** Per server name: the edge config. */
  readonly edgeConfigs: pulumi.Output<Record<string, EdgeConfig>>;
  /** `<tier>-<client>` → application (client) ID of every pre-registered client (give these to users) and agent. */
  readonly clientIds: pulumi.Output<Record<string, string>>;
  readonly applications: Readonly<Record<string, azuread.Application>>;
  /** The authorization front's upstream OIDC client (issuer, client id, secret client secret), when `front` is given. */
  readonly frontUpstream: FrontUpstream | undefined;

  constructor(name: string, rawArgs: EntraMcpAuthArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate everything that needs no cloud call before the component registers anything.
    const { args, spec } = validated(rawArgs);
    // The compiled plan is the component's registered input, so the guardrails policy pack can check it.
    super(ENTRA_COMPONENT_TYPE, name, { plan: args.plan }, opts);
    const plan = args.plan;
    this.spec = spec;
    const parent = { parent: this };
    const prefix = args.displayNamePrefix ?? `${plan.name} MCP: `;
    const owners = args.owners ? { owners: args.owners } : {};
    for (const s of spec.servers) {
      for (const x of s.scopes) {
        if (x.value.length > ENTRA_PORTAL_VALUE_MAX_LENGTH) {
          pulumi.log.warn(`Entra scope value '${x.value}' on '${s.server}' is longer than ${ENTRA_PORTAL_VALUE_MAX_LENGTH} characters: Graph accepts it, but the Entra admin portal cannot edit it`, this);
        }
      }
    }

    // Verified-domain requirement: fail before any application exists.
    const domainsOk: pulumi.Output<true> = args.verifiedDomains
      ? pulumi.output(checkDomains(spec, args.verifiedDomains))
      : azuread
          .getDomainsOutput({}, parent)
          .domains.apply((ds) => checkDomains(spec, ds.filter((d) => d.verified).map((d) => d.domainName)));

    const tenantId = pulumi.output(args.tenantId ?? azuread.getClientConfigOutput(parent).tenantId);
    this.tenantId = tenantId;
    this.issuer = tenantId.apply(entraIssuer);
    this.jwksUri = tenantId.apply(entraJwksUri);

    const apps: Record<string, azuread.Application> = {};
    const sps: Record<string, azuread.ServicePrincipal> = {};
    for (const s of spec.servers) {
      const app = new azuread.Application(`${name}-${s.server}`, {
        displayName: `${prefix}${s.displayName}`,
        ...(s.description ? { description: s.description } : {}),
        signInAudience: "AzureADMyOrg",
        identifierUris: domainsOk.apply(() => [s.identifierUri]),
        api: {
          requestedAccessTokenVersion: 2,
          oauth2PermissionScopes: s.scopes.map((x) => ({
            id: x.id,
            value: x.value,
            type: x.type,
            enabled: true,
            adminConsentDisplayName: x.adminConsentDisplayName,
            adminConsentDescription: x.adminConsentDescription,
            ...(x.userConsentDisplayName ? { userConsentDisplayName: x.userConsentDisplayName, userConsentDescription: x.userConsentDescription } : {}),
          })),
        },
        appRoles: [
          ...s.roles.map((r) => ({ id: r.id, value: r.value, displayName: r.displayName, description: r.description, allowedMemberTypes: ["User"], enabled: true })),
          // Application permissions for agents (client credentials): app-only tokens carry them in `roles`.
          ...s.appPermissions.map((p) => ({ id: p.id, value: p.value, displayName: p.displayName, description: p.description, allowedMemberTypes: ["Application"], enabled: true })),
        ],
        // `idtyp` in access tokens: Entra then marks app-only tokens `idtyp: "app"`, which the edge
        // requires before treating a token without `scp` as an agent's (Entra optional claims).
        optionalClaims: { accessTokens: [{ name: ENTRA_IDTYP_CLAIM }] },
        // OAuth 2.1 removed the implicit grant; the server application issues nothing itself.
        web: { implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false } },
        fallbackPublicClientEnabled: false,
        ...owners,
      }, parent);
      apps[s.server] = app;
      sps[s.server] = new azuread.ServicePrincipal(`${name}-${s.server}`, {
        clientId: app.clientId,
        appRoleAssignmentRequired: args.assignmentRequired ?? false,
        ...owners,
      }, parent);
      for (const r of s.roles) {
        const principal = args.groupObjectIds?.[r.group];
        if (principal === undefined) {
          pulumi.log.warn(`Entra group '${r.group}' has no object ID (groupObjectIds): its members get no '${r.value}' role on '${s.server}', so the edge refuses them the scopes it lists`, this);
          continue;
        }
        new azuread.AppRoleAssignment(`${name}-${s.server}-${r.group}`, {
          appRoleId: r.id,
          principalObjectId: principal,
          resourceObjectId: sps[s.server]!.objectId,
        }, parent);
      }
      if (args.signInFrequency) {
        new azuread.ConditionalAccessPolicy(`${name}-${s.server}-signin`, {
          displayName: `${prefix}${s.displayName}: sign-in every ${s.refreshTokenDays} days`,
          state: args.signInFrequency.state,
          conditions: {
            applications: { includedApplications: [app.clientId] },
            users: { includedUsers: ["All"] },
            clientAppTypes: ["all"],
          },
          sessionControls: {
            signInFrequency: Math.min(365, s.refreshTokenDays),
            signInFrequencyPeriod: "days",
            signInFrequencyInterval: "timeBased",
            signInFrequencyAuthenticationType: "primaryAndSecondaryAuthentication",
          },
        }, parent);
      }
    }
    this.applications = apps;

    // Pre-registered clients (the "verified" tier): one application each, shared by every server.
    const clientIds: Record<string, pulumi.Output<string>> = {};
    const clientSpObjectIds: Record<string, pulumi.Output<string>> = {};
    for (const c of spec.clients) {
      const existing = args.existingClients?.[c.key];
      const held = spec.servers.flatMap((s) => s.preAuthorized.filter((p) => p.clientKey === c.key).map((p) => ({ s, p })));
      if (existing) {
        clientIds[c.key] = pulumi.output(existing);
        if (args.grantAdminConsent) {
          clientSpObjectIds[c.key] = azuread.getServicePrincipalOutput({ clientId: existing }, parent).objectId;
        }
        continue;
      }
      const app = new azuread.Application(`${name}-client-${c.key}`, {
        displayName: `${prefix}${c.displayName}`,
        signInAudience: "AzureADMyOrg",
        ...(c.publicClientRedirectUris.length ? { publicClient: { redirectUris: [...c.publicClientRedirectUris] } } : {}),
        ...(c.spaRedirectUris.length ? { singlePageApplication: { redirectUris: [...c.spaRedirectUris] } } : {}),
        web: {
          ...(c.webRedirectUris.length ? { redirectUris: [...c.webRedirectUris] } : {}),
          implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false },
        },
        // No device-code or ROPC fallback for a public client: authorization code + PKCE only.
        fallbackPublicClientEnabled: false,
        requiredResourceAccesses: held.map(({ s, p }) => ({
          resourceAppId: apps[s.server]!.clientId,
          resourceAccesses: p.permissionIds.map((id) => ({ id, type: "Scope" })),
        })),
        ...owners,
      }, parent);
      clientIds[c.key] = app.clientId;
      clientSpObjectIds[c.key] = new azuread.ServicePrincipal(`${name}-client-${c.key}`, { clientId: app.clientId, ...owners }, parent).objectId;
    }

    // Agents (client-credentials tiers): a confidential application each, assigned its tier's
    // application permissions on every server. The assignment is the admin consent; the
    // credential (certificate for private_key_jwt, or a secret) is added by the operator.
    for (const a of spec.agents) {
      const grants = spec.servers.flatMap((s) => s.agentGrants.filter((g) => g.clientKey === a.key).map((g) => ({ s, g })));
      const existing = args.existingClients?.[a.key];
      let spObjectId: pulumi.Output<string>;
      if (existing) {
        clientIds[a.key] = pulumi.output(existing);
        spObjectId = azuread.getServicePrincipalOutput({ clientId: existing }, parent).objectId;
      } else {
        const app = new azuread.Application(`${name}-agent-${a.key}`, {
          displayName: `${prefix}${a.displayName}`,
          signInAudience: "AzureADMyOrg",
          web: { implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false } },
          fallbackPublicClientEnabled: false,
          requiredResourceAccesses: grants.map(({ s, g }) => ({
            resourceAppId: apps[s.server]!.clientId,
            resourceAccesses: g.appRoleIds.map((id) => ({ id, type: "Role" })),
          })),
          ...owners,
        }, parent);
        clientIds[a.key] = app.clientId;
        spObjectId = new azuread.ServicePrincipal(`${name}-agent-${a.key}`, { clientId: app.clientId, ...owners }, parent).objectId;
      }
      for (const { s, g } of grants) {
        for (const id of g.appRoleIds) {
          new azuread.AppRoleAssignment(`${name}-${s.server}-${a.key}-${id}`, { appRoleId: id, principalObjectId: spObjectId, resourceObjectId: sps[s.server]!.objectId }, parent);
        }
      }
    }

    for (const s of spec.servers) {
      for (const p of s.preAuthorized) {
        new azuread.ApplicationPreAuthorized(`${name}-${s.server}-${p.clientKey}`, {
          applicationId: apps[s.server]!.id,
          authorizedClientId: clientIds[p.clientKey]!,
          permissionIds: [...p.permissionIds],
        }, parent);
        if (args.grantAdminConsent && p.adminScopeValues.length > 0) {
          new azuread.ServicePrincipalDelegatedPermissionGrant(`${name}-${s.server}-${p.clientKey}-admin`, {
            servicePrincipalObjectId: clientSpObjectIds[p.clientKey]!,
            resourceServicePrincipalObjectId: sps[s.server]!.objectId,
            claimValues: [...p.adminScopeValues],
          }, parent);
        }
      }
    }

    const perServer = spec.servers.map((s) =>
      pulumi
        .all([tenantId, apps[s.server]!.clientId, apps[s.server]!.objectId, sps[s.server]!.objectId])
        .apply(([tid, clientId, objectId, spObjectId]) => [s.server, serverOutputs(plan, s, args, { tid, clientId, objectId, spObjectId, prefix })] as const),
    );
    this.servers = pulumi.all(perServer).apply((xs) => Object.fromEntries(xs));
    this.edgeConfigs = this.servers.apply((xs) => Object.fromEntries(Object.entries(xs).map(([k, v]) => [k, v.edgeConfig])));
    this.clientIds = pulumi.all(clientIds).apply((x) => ({ ...x }));
    this.frontUpstream = args.front
      ? entraFrontUpstream(name, { plan, front: args.front, tenantId, displayNamePrefix: prefix, groupObjectIds: args.groupObjectIds ?? {}, owners: args.owners }, this)
      : undefined;
    this.registerOutputs({
      tenantId: this.tenantId,
      issuer: this.issuer,
      servers: this.servers,
      clientIds: this.clientIds,
      ...(this.frontUpstream ? { frontUpstream: this.frontUpstream } : {}),
    });
  }
}

/** Parses the arguments and maps the plan; every mistake names the argument and the fix. */
function validated(rawArgs: EntraMcpAuthArgs): { args: ParsedEntraMcpAuthArgs; spec: EntraPlanSpec } {
  const args = parseEntraArgs(rawArgs);
  for (const name of args.servers ?? []) {
    if (!args.plan.servers.some((x) => x.name === name)) {
      throw new EntraArgsError(`EntraMcpAuth: servers names '${name}', which is no MCP server of plan '${args.plan.name}'; known: ${args.plan.servers.map((x) => x.name).join(", ")}`);
    }
  }
  const spec = entraPlanSpec(args.plan, args.servers);
  for (const g of Object.keys(args.groupObjectIds ?? {})) {
    if (!args.plan.groups.some((x) => x.name === g)) throw new EntraArgsError(`EntraMcpAuth: groupObjectIds names '${g}', which the plan does not declare`);
  }
  for (const k of Object.keys(args.existingClients ?? {})) {
    const known = [...spec.clients, ...spec.agents].map((c) => c.key);
    if (!known.includes(k)) {
      throw new EntraArgsError(`EntraMcpAuth: existingClients names '${k}', which is no client of a pre-registered or client-credentials tier; known: ${known.join(", ") || "(none)"}`);
    }
  }
  if (args.assignmentRequired) {
    for (const s of spec.servers) {
      const missing = s.roles.filter((r) => args.groupObjectIds?.[r.group] === undefined).map((r) => r.group);
      if (missing.length) {
        throw new EntraArgsError(`EntraMcpAuth: assignmentRequired needs an object ID for every group with scopes on '${s.server}'; add groupObjectIds for: ${missing.join(", ")}`);
      }
    }
  }
  // Only the clients the component creates: existing ones keep their own registration.
  const redirectProblems = entraRedirectUriProblems(spec.clients.filter((c) => args.existingClients?.[c.key] === undefined));
  if (redirectProblems.length) {
    throw new EntraArgsError(`EntraMcpAuth: redirect URIs the azuread provider would refuse:\n${redirectProblems.map((p) => `  - ${p}`).join("\n")}`);
  }
  if (args.verifiedDomains) checkDomains(spec, args.verifiedDomains);
  return { args, spec };
}

function checkDomains(spec: EntraPlanSpec, verified: readonly string[]): true {
  const problems = spec.servers
    .map((s) => [s.server, identifierUriProblem(s.identifierUri, verified)] as const)
    .filter((x): x is readonly [string, string] => x[1] !== undefined);
  if (problems.length) {
    throw new EntraArgsError(`EntraMcpAuth: identifier URI not allowed by Entra:\n${problems.map(([n, p]) => `  - server '${n}': ${p}`).join("\n")}`);
  }
  return true;
}

function serverOutputs(
  plan: Parameters<typeof entraEdgeConfig>[0],
  s: EntraServerSpec,
  args: ParsedEntraMcpAuthArgs,
  ids: { tid: string; clientId: string; objectId: string; spObjectId: string; prefix: string },
): EntraServerOutputs {
  const edgeConfig = entraEdgeConfig(plan, s, {
    tenantId: ids.tid,
    applicationClientId: ids.clientId,
    ...(args.jwks ? { jwks: args.jwks as { keys: Array<{ kty: string }> } } : {}),
    ...(args.scopeForm ? { scopeForm: args.scopeForm } : {}),
  });
  return {
    resource: s.resource,
    identifierUri: s.identifierUri,
    applicationClientId: ids.clientId,
    applicationObjectId: ids.objectId,
    servicePrincipalObjectId: ids.spObjectId,
    issuer: edgeConfig.issuers[0]!,
    jwksUri: edgeConfig.jwksUri,
    audiences: edgeConfig.audiences,
    scopeAliases: edgeConfig.scopeAliases,
    requestScopes: Object.fromEntries(s.scopes.map((x) => [x.scope, x.requestScope])),
    maxTokenAgeSeconds: edgeConfig.maxTokenAgeSeconds,
    tokenLifetimePolicy: {
      ...tokenLifetimePolicy(`${ids.prefix}${s.displayName} access tokens`, s.idpAccessTokenMinutes),
      servicePrincipalObjectId: ids.spObjectId,
    },
    edgeConfig,
  };
}
