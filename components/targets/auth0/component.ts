import * as auth0 from "@pulumi/auth0";
import * as pulumi from "@pulumi/pulumi";
import type { EdgeConfig } from "../../../lambda/config.js";
import { edgeConfigFor } from "../../edge-config.js";
import type { CapabilityReport } from "../capabilities.js";
import { parseAuth0Args, type Auth0McpAuthArgs } from "./args.js";
import type { FrontUpstream } from "../front-upstream.js";
import { AUTH0_CAPABILITIES } from "./capabilities.js";
import { auth0FrontUpstream } from "./front.js";
import type { Auth0GrantModel } from "./grants.js";
import { buildAuth0Model, type Auth0ClientModel, type Auth0Model, type Auth0ServerModel, type Auth0TenantModel } from "./model.js";
import type { Auth0RoleModel } from "./roles.js";
import { CREDENTIAL_TYPE_PUBLIC_KEY, DATABASE_STRATEGY, PASSWORD_POLICY, DEFAULT_FOR_THIRD_PARTY, RFC9068_TOKEN_TYPE } from "./values.js";

/** Pulumi type token of {@link Auth0McpAuth}. */
export const MCP_AUTH_AUTH0_TYPE = "pulumi-mcp-auth:auth0:McpAuthAuth0";

/** What the component reports for one MCP server. */
export interface Auth0ServerOutput {
  name: string;
  /** Canonical resource URI = Auth0 API identifier = `aud`. */
  resource: string;
  /** `https://<domain>/`, byte-exact (with Auth0's trailing slash). */
  issuer: string;
  jwksUri: string;
  resourceServerId: string;
  tokenLifetimeSeconds: number;
  /** The scope (and tier) whose requirement set the API-wide lifetime. */
  lifetimeDrivenBy: Auth0ServerModel["lifetime"]["drivenBy"];
  /** Sensitivities whose tokens live shorter than declared on this API (see `apiTokenLifetime`). */
  lifetimeShortened: Auth0ServerModel["lifetime"]["shortened"];
  tokenDialect: string;
  /** RBAC on this API (`groups.mode: "rbac"`): user tokens carry only scopes the user's roles hold. */
  rbacEnforced: boolean;
  scopes: string[];
  /** Client grants on this API, with the Auth0 client id for client-specific ones. */
  grants: Array<{ key: string; subjectType: string; scopes: string[]; clientId?: string; defaultFor?: string }>;
  /** `<tier>.<client>` → Auth0 client id, for the clients granted access to this API. */
  clientIds: Record<string, string>;
  /** What the edge enforces for this server (validated against the edge's schema). */
  edgeConfig: EdgeConfig;
}

/** Every output of the component, built once from one record. */
export interface Auth0McpAuthOutputs {
  issuer: string;
  jwksUri: string;
  servers: Record<string, Auth0ServerOutput>;
  /** `<tier>.<client>` → Auth0 client id, for every registered client. */
  clientIds: Record<string, string>;
  /** The tenant-wide settings MCP needs, whether this stack manages them, and what to do by hand. */
  tenantSettings: Auth0TenantModel;
  /** Plan group → its Auth0 role (`groups.mode: "rbac"`; empty otherwise). Assign users to these role ids. */
  roles: Record<string, Auth0RoleOutput>;
  capabilities: CapabilityReport;
}

/** The Auth0 role made for one plan group. */
export interface Auth0RoleOutput {
  /** Role name = the group's `idpGroup`. */
  name: string;
  /** Auth0 role id (`rol_…`), for `auth0.UserRoles`, the Management API or a login Action. */
  roleId: string;
  /** Every (API identifier, scope) the role holds. */
  permissions: Auth0RoleModel["permissions"];
}

/**
 * Provisions an MCP auth plan onto an Auth0 tenant: per MCP server an API (resource server) whose
 * identifier is the canonical resource URI, with RFC 9068 tokens, an explicit lifetime, its scopes
 * and one client grant per tier; the declared clients (first-party, CIMD, machine); optionally the
 * tenant-wide settings, a domain-level connection, and (`groups.mode: "rbac"`) a role per plan group
 * with RBAC enforced on the APIs. Arguments are validated before any child is
 * created; every output comes from one record (`outputs`).
 */
export class Auth0McpAuth extends pulumi.ComponentResource {
  /** All outputs in one record. */
  readonly outputs: pulumi.Output<Auth0McpAuthOutputs>;
  readonly issuer: pulumi.Output<string>;
  readonly jwksUri: pulumi.Output<string>;
  readonly servers: pulumi.Output<Record<string, Auth0ServerOutput>>;
  readonly clientIds: pulumi.Output<Record<string, string>>;
  readonly edgeConfigs: pulumi.Output<Record<string, EdgeConfig>>;
  readonly tenantSettings: pulumi.Output<Auth0TenantModel>;
  /** Plan group → Auth0 role (name, id, permissions); empty unless `groups.mode: "rbac"`. */
  readonly roles: pulumi.Output<Record<string, Auth0RoleOutput>>;
  /** The data the resources were built from (plain; useful for reviews and tests). */
  readonly model: Auth0Model;
  /** The authorization front's upstream OIDC client (issuer, client id, secret client secret), when `front` is given. */
  readonly frontUpstream: FrontUpstream | undefined;

  constructor(name: string, args: Auth0McpAuthArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate and map everything before registering anything: a bad argument creates nothing.
    const parsed = parseAuth0Args(args);
    const model = buildAuth0Model(parsed);
    const edgeConfigs = Object.fromEntries(
      model.servers.map((s) => [
        s.name,
        edgeConfigFor(parsed.plan, s.name, { issuer: model.issuer, jwksUri: model.jwksUri, tokenTypes: [RFC9068_TOKEN_TYPE], algorithms: [parsed.signingAlg] }),
      ]),
    );
    // The compiled plan is the component's registered input, so the guardrails policy pack can check it.
    super(MCP_AUTH_AUTH0_TYPE, name, { plan: parsed.plan }, opts);
    this.model = model;
    const parent = { parent: this };

    const tenant = model.tenant.managed
      ? new auth0.Tenant(
          `${name}-tenant`,
          {
            resourceParameterProfile: model.tenant.resourceParameterProfile,
            clientIdMetadataDocumentSupported: model.tenant.clientIdMetadataDocumentSupported,
            flags: {
              enableDynamicClientRegistration: model.tenant.enableDynamicClientRegistration,
              useScopeDescriptionsForConsent: model.tenant.useScopeDescriptionsForConsent,
            },
            // defaultAudience is deliberately not set: it must stay empty (it would override `resource`).
          },
          parent,
        )
      : undefined;
    const afterTenant = tenant ? [tenant] : [];

    const clientIds = new Map<string, pulumi.Output<string>>();
    for (const c of model.clients) clientIds.set(c.key, this.client(name, c, parsed.clients[c.tier]?.[c.client]?.publicKeyPem, afterTenant));

    // Before the connection, so that the connection is enabled for it too.
    const front = parsed.front ? auth0FrontUpstream(name, { plan: parsed.plan, front: parsed.front, issuer: model.issuer }, this) : undefined;
    this.frontUpstream = front?.upstream;

    if (model.domainConnection) {
      const dc = model.domainConnection;
      const connection = new auth0.Connection(
        `${name}-connection`,
        {
          name: dc.name,
          strategy: DATABASE_STRATEGY,
          isDomainConnection: true,
          options: { disableSignup: dc.disableSignup, bruteForceProtection: true, passwordPolicy: PASSWORD_POLICY },
        },
        parent,
      );
      const enabled = [...dc.enabledForClients.map((k) => clientIds.get(k)!), ...(front ? [front.clientId] : [])];
      if (enabled.length > 0) {
        new auth0.ConnectionClients(`${name}-connection-clients`, { connectionId: connection.id, enabledClients: enabled }, parent);
      }
    }

    const servers: Record<string, pulumi.Output<Auth0ServerOutput>> = {};
    const apis = new Map<string, { rs: auth0.ResourceServer; scopes: auth0.ResourceServerScopes }>();
    for (const s of model.servers) {
      servers[s.name] = this.server(name, s, model, clientIds, edgeConfigs[s.name]!, afterTenant, apis);
    }
    const roles: Record<string, pulumi.Output<Auth0RoleOutput>> = {};
    for (const r of model.roles) roles[r.group] = this.role(name, r, apis);

    this.outputs = pulumi.all([allRecord(servers), allRecord(Object.fromEntries(clientIds)), allRecord(roles)]).apply(
      ([servers, clientIdRecord, roleRecord]): Auth0McpAuthOutputs => ({
        issuer: model.issuer,
        jwksUri: model.jwksUri,
        servers,
        clientIds: clientIdRecord,
        tenantSettings: model.tenant,
        roles: roleRecord,
        capabilities: AUTH0_CAPABILITIES,
      }),
    );
    this.issuer = this.outputs.apply((o) => o.issuer);
    this.jwksUri = this.outputs.apply((o) => o.jwksUri);
    this.servers = this.outputs.apply((o) => o.servers);
    this.clientIds = this.outputs.apply((o) => o.clientIds);
    this.edgeConfigs = this.outputs.apply((o) => Object.fromEntries(Object.entries(o.servers).map(([k, v]) => [k, v.edgeConfig])));
    this.tenantSettings = this.outputs.apply((o) => o.tenantSettings);
    this.roles = this.outputs.apply((o) => o.roles);
    this.registerOutputs({ outputs: this.outputs, ...(this.frontUpstream ? { frontUpstream: this.frontUpstream } : {}) });
  }

  private client(name: string, c: Auth0ClientModel, publicKeyPem: pulumi.Input<string> | undefined, dependsOn: pulumi.Resource[]): pulumi.Output<string> {
    const id = `${name}-${c.key.replace(/\./g, "-")}`;
    const refreshToken = c.refreshToken ? { ...c.refreshToken } : undefined;
    const metadata = { "mcp-auth:tier": c.tier, "mcp-auth:client": c.client };
    if (c.kind === "cimd") {
      const cimd = new auth0.ClientCimd(
        id,
        {
          externalClientId: c.externalClientId!,
          description: c.description,
          appType: c.appType,
          oidcConformant: true,
          grantTypes: c.grantTypes,
          ...(c.allowedOrigins.length > 0 ? { allowedOrigins: c.allowedOrigins, webOrigins: c.allowedOrigins } : {}),
          ...(refreshToken ? { refreshToken } : {}),
          clientMetadata: metadata,
        },
        { parent: this, dependsOn },
      );
      return cimd.clientId;
    }
    const client = new auth0.Client(
      id,
      {
        name: c.name,
        description: c.description,
        appType: c.appType,
        isFirstParty: c.isFirstParty,
        oidcConformant: true,
        grantTypes: c.grantTypes,
        callbacks: c.callbacks,
        ...(c.allowedOrigins.length > 0 ? { allowedOrigins: c.allowedOrigins, webOrigins: c.allowedOrigins } : {}),
        jwtConfiguration: { alg: "RS256" },
        ...(refreshToken ? { refreshToken } : {}),
        clientMetadata: metadata,
      },
      { parent: this },
    );
    new auth0.ClientCredentials(
      `${id}-credentials`,
      {
        clientId: client.clientId,
        authenticationMethod: c.authMethod!,
        ...(c.authMethod === "private_key_jwt" && publicKeyPem
          ? { privateKeyJwt: { credentials: [{ credentialType: CREDENTIAL_TYPE_PUBLIC_KEY, pem: publicKeyPem, name: `${c.key} key` }] } }
          : {}),
      },
      { parent: this },
    );
    return client.clientId;
  }

  private server(
    name: string,
    s: Auth0ServerModel,
    model: Auth0Model,
    clientIds: Map<string, pulumi.Output<string>>,
    edgeConfig: EdgeConfig,
    afterTenant: pulumi.Resource[],
    apis: Map<string, { rs: auth0.ResourceServer; scopes: auth0.ResourceServerScopes }>,
  ): pulumi.Output<Auth0ServerOutput> {
    const id = `${name}-${s.name}`;
    const rs = new auth0.ResourceServer(`${id}-api`, { ...s.resourceServer }, { parent: this });
    const scopes = new auth0.ResourceServerScopes(`${id}-scopes`, { resourceServerIdentifier: rs.identifier, scopes: s.scopes }, { parent: this });
    apis.set(s.resourceServer.identifier, { rs, scopes });
    const grants = s.grants.map((g) => this.grant(id, g, rs, scopes, clientIds, afterTenant));
    const granted = [...new Set(grants.flatMap((g) => (g.clientKey ? [g.clientKey] : [])))];
    return pulumi
      .all([rs.identifier, rs.id, scopes.id, pulumi.all(grants.map((g) => g.output)), allRecord(Object.fromEntries(granted.map((k) => [k, clientIds.get(k)!])))])
      .apply(([identifier, rsId, _scopesId, grantOutputs, granteeIds]): Auth0ServerOutput => {
        if (identifier !== s.resourceServer.identifier) {
          throw new Error(`Auth0 API '${s.name}' has identifier '${identifier}', expected the canonical resource URI '${s.resourceServer.identifier}'`);
        }
        return {
          name: s.name,
          resource: s.resourceServer.identifier,
          issuer: model.issuer,
          jwksUri: model.jwksUri,
          resourceServerId: rsId,
          tokenLifetimeSeconds: s.resourceServer.tokenLifetime,
          lifetimeDrivenBy: s.lifetime.drivenBy,
          lifetimeShortened: s.lifetime.shortened,
          tokenDialect: s.resourceServer.tokenDialect,
          rbacEnforced: s.resourceServer.enforcePolicies,
          scopes: s.scopes.map((x) => x.name),
          grants: grantOutputs,
          clientIds: granteeIds,
          edgeConfig,
        };
      });
  }

  /**
   * One role per plan group and, when it holds anything, one `RolePermissions` owning all its
   * permissions (do not mix with `auth0.RolePermission` on these roles). Permissions name API scopes,
   * so they wait for each API's scope list.
   */
  private role(name: string, r: Auth0RoleModel, apis: Map<string, { rs: auth0.ResourceServer; scopes: auth0.ResourceServerScopes }>): pulumi.Output<Auth0RoleOutput> {
    const id = `${name}-role-${r.group}`;
    const role = new auth0.Role(id, { name: r.name, description: r.description }, { parent: this });
    if (r.permissions.length > 0) {
      const used = [...new Set(r.permissions.map((p) => p.resourceServerIdentifier))].map((i) => apis.get(i)!);
      new auth0.RolePermissions(
        `${id}-permissions`,
        {
          roleId: role.id,
          permissions: r.permissions.map((p) => ({ resourceServerIdentifier: apis.get(p.resourceServerIdentifier)!.rs.identifier, name: p.name })),
        },
        { parent: this, dependsOn: used.map((a) => a.scopes) },
      );
    }
    return role.id.apply((roleId) => ({ name: r.name, roleId, permissions: r.permissions }));
  }

  private grant(
    id: string,
    g: Auth0GrantModel,
    rs: auth0.ResourceServer,
    scopes: auth0.ResourceServerScopes,
    clientIds: Map<string, pulumi.Output<string>>,
    afterTenant: pulumi.Resource[],
  ): { clientKey?: string; output: pulumi.Output<Auth0ServerOutput["grants"][number]> } {
    const base = { audience: rs.identifier, scopes: g.scopes, subjectType: g.subjectType };
    // Grants name scopes, so they wait for the scope list; the third-party default also waits for the tenant flags.
    if (g.target.kind === "third-party-default") {
      new auth0.ClientGrant(`${id}-${g.key}`, { ...base, defaultFor: DEFAULT_FOR_THIRD_PARTY }, { parent: this, dependsOn: [scopes, ...afterTenant] });
      return { output: pulumi.output({ key: g.key, subjectType: g.subjectType, scopes: g.scopes, defaultFor: DEFAULT_FOR_THIRD_PARTY }) };
    }
    const clientId = clientIds.get(g.target.clientKey)!;
    new auth0.ClientGrant(`${id}-${g.key.replace(/\./g, "-")}`, { ...base, clientId }, { parent: this, dependsOn: [scopes] });
    return {
      clientKey: g.target.clientKey,
      output: clientId.apply((cid) => ({ key: g.key, subjectType: g.subjectType, scopes: g.scopes, clientId: cid })),
    };
  }
}

/** Resolves a record of outputs into an output of a record (keys kept). */
function allRecord<T>(rec: Record<string, pulumi.Output<T>>): pulumi.Output<Record<string, T>> {
  const keys = Object.keys(rec);
  return pulumi.all(keys.map((k) => rec[k]!)).apply((values) => Object.fromEntries(keys.map((k, i) => [k, values[i] as T])));
}

/**
 * @deprecated Renamed {@link Auth0McpAuth} to match `OktaMcpAuth` and `EntraMcpAuth`; kept as an
 * alias. Both names create the same Pulumi type (`MCP_AUTH_AUTH0_TYPE`), so existing stacks see no change.
 */
export const McpAuthAuth0 = Auth0McpAuth;
/** @deprecated Renamed {@link Auth0McpAuth}. */
export type McpAuthAuth0 = Auth0McpAuth;
/** @deprecated Renamed {@link Auth0McpAuthOutputs}. */
export type McpAuthAuth0Outputs = Auth0McpAuthOutputs;
