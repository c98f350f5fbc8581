import * as okta from "@pulumi/okta";
import * as pulumi from "@pulumi/pulumi";
import { edgeConfigFor } from "../../edge-config.js";
import type { EdgeConfig } from "../../../lambda/config.js";
import type { McpAuthPlan } from "../../plan/schema.js";
import { OKTA_CLAIM_TYPE, OKTA_CLAIM_VALUE_TYPE, OKTA_EVERYONE, type OktaIssuerMode } from "./constants.js";
import type { OktaServerSpec } from "./layout.js";

/** Pulumi logical-name segment from a scope, tier or group name (`crm:customers:read` → `crm-customers-read`). */
export const slug = (s: string): string => s.replace(/[^A-Za-z0-9_.-]+/g, "-");

/** Arguments of {@link OktaMcpServer}; built by {@link OktaMcpAuth} from the layout. */
export interface OktaMcpServerArgs {
  readonly plan: McpAuthPlan;
  readonly spec: OktaServerSpec;
  readonly issuerMode: OktaIssuerMode;
  /** Client id of every app the component created, by `<tier>/<client>`. */
  readonly appClientIds: Readonly<Record<string, pulumi.Output<string>>>;
  /** Okta group id by plan group name. */
  readonly groupIds: Readonly<Record<string, pulumi.Input<string>>>;
  /** The client the edge introspects with, when this server has immediate-revocation scopes. */
  readonly introspection?: { readonly clientId: pulumi.Input<string>; readonly secretEnv: string } | undefined;
}

/** What {@link OktaMcpServer} exposes, per MCP server. */
export interface OktaMcpServerOutputs {
  /** Okta authorization-server id. */
  readonly authServerId: pulumi.Output<string>;
  /** The `iss` of its tokens: `https://<org>/oauth2/<id>` (ORG_URL mode). */
  readonly issuer: pulumi.Output<string>;
  /** `<issuer>/v1/keys`. */
  readonly jwksUri: pulumi.Output<string>;
  /** Everything the edge needs for this server, validated against the edge's schema. */
  readonly edgeConfig: pulumi.Output<EdgeConfig>;
  /** Client ids the server's access policies admit (created apps and external ones), sorted. */
  readonly clientIds: pulumi.Output<string[]>;
}

/**
 * One MCP server on Okta: a custom authorization server whose single audience is the canonical
 * resource URI, its scopes, identity claims, one access policy per trust tier and the rule chain
 * of each policy. Created by {@link OktaMcpAuth}; not meant to be used on its own.
 */
export class OktaMcpServer extends pulumi.ComponentResource implements OktaMcpServerOutputs {
  declare readonly authServerId: pulumi.Output<string>;
  declare readonly issuer: pulumi.Output<string>;
  declare readonly jwksUri: pulumi.Output<string>;
  declare readonly edgeConfig: pulumi.Output<EdgeConfig>;
  declare readonly clientIds: pulumi.Output<string[]>;

  constructor(name: string, args: OktaMcpServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pulumi-mcp-auth:okta:McpServer", name, {}, opts);
    const { spec, plan } = args;
    const parent = { parent: this };

    // One audience only (Okta supports a single value): tokens from this server are for this
    // resource and no other, whatever `resource` (RFC 8707) the client sends.
    const as = new okta.auth.Server(
      name,
      { name: spec.name, description: spec.description, audiences: [spec.server.resource], issuerMode: args.issuerMode, status: "ACTIVE" },
      parent,
    );

    const scopes = spec.scopes.map(
      (s) =>
        new okta.auth.ServerScope(
          `${name}-${slug(s.name)}`,
          {
            authServerId: as.id,
            name: s.name,
            displayName: s.displayName,
            description: s.description,
            consent: s.consent,
            metadataPublish: s.metadataPublish,
            optional: s.optional,
            default: s.default,
          },
          parent,
        ),
    );

    for (const c of spec.claims) {
      new okta.auth.ServerClaim(
        `${name}-claim-${c.kind}`,
        { authServerId: as.id, name: c.name, claimType: OKTA_CLAIM_TYPE.resource, valueType: OKTA_CLAIM_VALUE_TYPE.expression, value: c.value, alwaysIncludeInToken: true, status: "ACTIVE" },
        parent,
      );
    }

    const allClientIds: pulumi.Input<string>[] = [];
    // Policies and rules are created in priority order, each depending on the previous one
    // (the provider's advice for rules of one policy), and rules after the scopes they list.
    let previous: pulumi.Resource | undefined;
    for (const p of spec.policies) {
      const clientIds = [...p.appKeys.map((k) => args.appClientIds[k]!), ...p.externalClientIds];
      allClientIds.push(...clientIds);
      const policy: okta.auth.ServerPolicy = new okta.auth.ServerPolicy(
        `${name}-${slug(p.tier)}`,
        { authServerId: as.id, name: p.name, description: p.description, priority: p.priority, clientWhitelists: clientIds, status: "ACTIVE" },
        { parent: this, ...(previous ? { dependsOn: [previous] } : {}) },
      );
      previous = policy;
      for (const r of p.rules) {
        const groups = r.groups === OKTA_EVERYONE ? [OKTA_EVERYONE] : r.groups.map((g) => args.groupIds[g]!);
        const rule: okta.auth.ServerPolicyRule = new okta.auth.ServerPolicyRule(
          `${name}-${slug(p.tier)}-r${r.priority}`,
          {
            authServerId: as.id,
            policyId: policy.id,
            name: r.name,
            priority: r.priority,
            status: "ACTIVE",
            grantTypeWhitelists: [...r.grantTypes],
            scopeWhitelists: [...r.scopes],
            groupWhitelists: groups,
            accessTokenLifetimeMinutes: r.accessTokenMinutes,
            ...(r.refreshTokenLifetimeMinutes !== undefined
              ? { refreshTokenLifetimeMinutes: r.refreshTokenLifetimeMinutes, refreshTokenWindowMinutes: r.refreshTokenWindowMinutes }
              : {}),
          },
          { parent: this, dependsOn: [previous, ...scopes] },
        );
        previous = rule;
      }
    }

    const issuer = as.issuer;
    const introspection = args.introspection;
    const outputs: OktaMcpServerOutputs = {
      authServerId: as.id,
      issuer,
      jwksUri: pulumi.interpolate`${issuer}/v1/keys`,
      edgeConfig: pulumi.all([issuer, introspection?.clientId]).apply(([iss, introspectionClientId]) =>
        edgeConfigFor(plan, spec.server.name, {
          issuer: iss,
          jwksUri: `${iss}/v1/keys`,
          // Okta access tokens are not RFC 9068 `at+jwt` (`typ` is `application/okta-internal-at+jwt`
          // or `JWT` in public verifiers), so the edge does not require a `typ`.
          ...(introspectionClientId
            ? { introspection: { endpoint: `${iss}/v1/introspect`, clientId: introspectionClientId, clientSecretEnv: introspection!.secretEnv } }
            : {}),
        }),
      ),
      clientIds: pulumi.all(allClientIds).apply((ids) => [...new Set(ids)].sort()),
    };
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
}
