import * as okta from "@pulumi/okta";
import * as pulumi from "@pulumi/pulumi";
import type { CapabilityReport } from "../capabilities.js";
import type { FrontUpstream } from "../front-upstream.js";
import { OktaTargetError, resolveOktaArgs, type OktaMcpAuthArgsInput } from "./args.js";
import { oktaCapabilityReport } from "./capabilities.js";
import { OKTA_APP_GRANT, OKTA_APP_TYPE, OKTA_AUTH_METHOD, OKTA_ORIGIN_SCOPE } from "./constants.js";
import { oktaFrontUpstream } from "./front.js";
import { oktaLayout, oktaName } from "./layout.js";
import { OktaMcpServer, slug, type OktaMcpServerOutputs } from "./server.js";
import { oktaPlanIssues } from "./validate.js";

/** Arguments of {@link OktaMcpAuth}: the plan (or declarations) and Okta-specific bindings. See `args.ts`. */
export type OktaMcpAuthArgs = OktaMcpAuthArgsInput;

/** The component's outputs, built once and registered as-is. */
export interface OktaMcpAuthOutputs {
  /** Per MCP server (plan name): issuer, JWKS URI, edge config and admitted client ids. */
  readonly servers: Readonly<Record<string, OktaMcpServerOutputs>>;
  /** Client id of every created app, by `<tier>/<client>`. */
  readonly clientIds: Readonly<Record<string, pulumi.Output<string>>>;
  /** Client the edge introspects with (created, or as given), when any server needs introspection. */
  readonly introspectionClientId: pulumi.Output<string | undefined>;
  /** Its secret (a Pulumi secret), when this component created it. Give it to the edge as `<introspectionSecretEnv>`. */
  readonly introspectionClientSecret: pulumi.Output<string | undefined>;
  /** What Okta enforces for this plan and what is left to the edge (data; also in docs/okta.md). */
  readonly capabilities: CapabilityReport;
  /** The authorization front's upstream OIDC client (issuer, client id, secret client secret), when `front` is given. */
  readonly frontUpstream: FrontUpstream | undefined;
}

/**
 * Provisions a pulumi-mcp-auth plan on Okta (`pulumi-mcp-auth:okta:McpAuth`): per MCP server a
 * custom authorization server (`OktaMcpServer`), plus the pre-registered OAuth apps, their group
 * assignments, CORS trusted origins for browser clients and, when a server needs immediate
 * revocation, the service app the edge introspects with.
 *
 * Arguments are validated before any child is created; every problem is reported at once
 * ({@link OktaTargetError}). Custom authorization servers need Okta's API Access Management.
 */
export class OktaMcpAuth extends pulumi.ComponentResource implements OktaMcpAuthOutputs {
  declare readonly servers: Readonly<Record<string, OktaMcpServerOutputs>>;
  declare readonly clientIds: Readonly<Record<string, pulumi.Output<string>>>;
  declare readonly introspectionClientId: pulumi.Output<string | undefined>;
  declare readonly introspectionClientSecret: pulumi.Output<string | undefined>;
  declare readonly capabilities: CapabilityReport;
  declare readonly frontUpstream: FrontUpstream | undefined;

  constructor(name: string, args: OktaMcpAuthArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate first: a bad argument must not leave half a tenant behind.
    const resolved = resolveOktaArgs(args);
    const issues = oktaPlanIssues(resolved.plan, resolved);
    if (issues.length > 0) throw new OktaTargetError(issues);
    const layout = oktaLayout(resolved);

    // The compiled plan is the component's registered input, so the guardrails policy pack can check it.
    super("pulumi-mcp-auth:okta:McpAuth", name, { plan: resolved.plan }, opts);
    const parent = { parent: this };
    const { plan } = resolved;

    const groupIds: Record<string, pulumi.Input<string>> = {};
    // The front's sign-in app is assigned to every declared group.
    const lookedUp = resolved.front ? [...new Set([...layout.groups, ...plan.groups.map((g) => g.name)])] : layout.groups;
    for (const g of lookedUp) {
      const group = plan.groups.find((x) => x.name === g)!;
      groupIds[g] = resolved.groupIds[g] ?? exactGroupId(okta.group.getGroupOutput({ name: group.idpGroup }, parent), group.idpGroup, g);
    }

    const apps: Record<string, okta.app.OAuth> = {};
    for (const a of layout.apps) {
      const app = new okta.app.OAuth(
        `${name}-${slug(a.tier)}-${slug(a.client)}`,
        {
          label: a.label,
          type: a.type,
          grantTypes: [...a.grantTypes],
          ...(a.responseTypes ? { responseTypes: [...a.responseTypes] } : {}),
          ...(a.redirectUris.length > 0 ? { redirectUris: [...a.redirectUris] } : {}),
          pkceRequired: a.pkceRequired,
          tokenEndpointAuthMethod: a.tokenEndpointAuthMethod,
          ...(a.consentMethod ? { consentMethod: a.consentMethod } : {}),
          ...(a.refreshTokenRotation ? { refreshTokenRotation: a.refreshTokenRotation } : {}),
          ...(a.jwksUri ? { jwksUri: a.jwksUri } : {}),
          omitSecret: a.omitSecret,
        },
        parent,
      );
      apps[a.key] = app;
      for (const g of a.groups) {
        new okta.app.GroupAssignment(`${name}-${slug(a.tier)}-${slug(a.client)}-${slug(g)}`, { appId: app.id, groupId: groupIds[g]! }, parent);
      }
    }
    const clientIds = Object.fromEntries(Object.entries(apps).map(([k, app]) => [k, app.clientId]));

    // Browser-based clients call Okta's /token from these origins (CORS).
    // Named after the host (unchanged for existing stacks); two origins on one host (http and
    // https) are told apart by the whole origin, so that their names never collide.
    const hosts = layout.origins.map((o) => new URL(o).host);
    for (const origin of layout.origins) {
      const host = new URL(origin).host;
      new okta.trustedorigin.Origin(
        `${name}-origin-${slug(hosts.filter((h) => h === host).length > 1 ? origin : host)}`,
        { name: oktaName(`${resolved.namePrefix} ${origin}`, 255), origin, scopes: [{ type: OKTA_ORIGIN_SCOPE.cors }], status: "ACTIVE" },
        parent,
      );
    }

    // The edge calls /v1/introspect for immediate-revocation scopes (RFC 7662). This app is in no
    // access policy, so it can authenticate there but never obtain a token.
    let introspectionClientId: pulumi.Input<string> | undefined = resolved.introspectionClientId;
    let introspectionClientSecret: pulumi.Output<string | undefined> = pulumi.output(undefined);
    if (layout.needsIntrospectionClient) {
      const edgeApp = new okta.app.OAuth(
        `${name}-edge-introspection`,
        {
          label: oktaName(`${resolved.namePrefix} MCP edge introspection`, 100),
          type: OKTA_APP_TYPE.service,
          grantTypes: [OKTA_APP_GRANT.clientCredentials],
          tokenEndpointAuthMethod: OKTA_AUTH_METHOD.clientSecretBasic,
          omitSecret: false,
        },
        parent,
      );
      introspectionClientId = edgeApp.clientId;
      introspectionClientSecret = pulumi.secret(edgeApp.clientSecret);
    }

    const servers: Record<string, OktaMcpServerOutputs> = {};
    for (const spec of layout.servers) {
      const server = new OktaMcpServer(
        `${name}-${slug(spec.server.name)}`,
        {
          plan,
          spec,
          issuerMode: resolved.issuerMode,
          appClientIds: clientIds,
          groupIds,
          introspection:
            spec.introspectScopes.length > 0 && introspectionClientId !== undefined
              ? { clientId: introspectionClientId, secretEnv: resolved.introspectionSecretEnv }
              : undefined,
        },
        parent,
      );
      // Plain outputs, not the child resource, so that the stack's outputs hold values.
      servers[spec.server.name] = {
        authServerId: server.authServerId,
        issuer: server.issuer,
        jwksUri: server.jwksUri,
        edgeConfig: server.edgeConfig,
        clientIds: server.clientIds,
      };
    }

    const outputs: OktaMcpAuthOutputs = {
      servers,
      clientIds,
      introspectionClientId: pulumi.output(introspectionClientId),
      introspectionClientSecret,
      capabilities: oktaCapabilityReport(plan, layout),
      frontUpstream: resolved.front
        ? oktaFrontUpstream(name, { plan, front: resolved.front, namePrefix: resolved.namePrefix, issuerMode: resolved.issuerMode, groupIds }, this)
        : undefined,
    };
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
}

/**
 * The id of the Okta group named exactly `idpGroup`. Okta's group search is a prefix match, and
 * `okta.group.getGroup` keeps a lone non-exact match (it only logs a warning): without this check a
 * missing `CRM Sales` would resolve to `CRM Sales Ops`, whose members would then get `CRM Sales`'s
 * scopes. A different name fails the deployment instead, before anything uses the id.
 */
function exactGroupId(found: pulumi.Output<okta.group.GetGroupResult>, idpGroup: string, planGroup: string): pulumi.Output<string> {
  return found.apply((g) => {
    if (g.name !== idpGroup) {
      throw new OktaTargetError([
        {
          path: `plan.groups.${planGroup}.idpGroup`,
          message: `no Okta group is named '${idpGroup}' (Okta's name search matched '${g.name}', a prefix match); create the group, fix idpGroup, or pass its id in groupIds`,
        },
      ]);
    }
    return g.id;
  });
}
