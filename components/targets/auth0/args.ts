import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { formatPath, issueLines } from "../../model/validate.js";
import { McpAuthPlanSchema, type McpAuthPlan } from "../../plan/schema.js";
import { FrontUpstreamArgsSchema, type FrontUpstreamArgs } from "../front-upstream.js";
import { AUTH0_GRANT_TYPES, CIMD_APP_TYPES, SIGNING_ALGS, APP_TYPE, type AppType, type SigningAlg } from "./values.js";

/** Per-client settings the plan cannot know (Auth0-specific or key material). */
export interface Auth0ClientOverride {
  /** Auth0 application type. Default: derived from the tier (see `defaultAppType`). */
  appType?: AppType;
  /**
   * PEM public key (SPKI/PKCS#1) or X.509 certificate for `private_key_jwt` clients. Required for
   * them: Auth0 cannot fetch a client's `jwks_uri` for client authentication.
   */
  publicKeyPem?: pulumi.Input<string>;
  /** CORS origins allowed to call Auth0 from a browser (`spa` clients). Default: none. */
  allowedOrigins?: string[];
}

/** Arguments of {@link Auth0McpAuth}. */
export interface Auth0McpAuthArgs {
  /** The compiled plan (`compile(declarations)`); validated again here. */
  plan: McpAuthPlan;
  /**
   * The Auth0 domain tokens are requested from: `<tenant>.<region>.auth0.com` or a custom domain,
   * host only (no scheme, path or slash). The issuer is `https://<domain>/`, byte-exact.
   */
  domain: string;
  /** Access-token signing algorithm. Default `RS256`. HS256 is refused: the edge verifies with JWKS. */
  signingAlg?: SigningAlg;
  /**
   * Tenant-wide settings (RFC 8707 compatibility profile, DCR and CIMD flags, scope descriptions on
   * the consent screen). They affect every application in the tenant, so they are managed only when
   * `manage: true`; otherwise the component touches nothing tenant-wide and lists what must be set in
   * its `tenantSettings` output. Default `{ manage: false }`. Only one stack may manage a tenant.
   */
  tenant?: { manage: boolean };
  /**
   * A database connection created at domain level so third-party clients (DCR, CIMD) can sign users
   * in, and enabled for the first-party clients. Omit to keep using existing connections (you must
   * then promote one to domain level yourself; the `tenantSettings.manualSteps` output says so).
   */
  domainConnection?: { name: string; disableSignup?: boolean };
  /** Per-client settings, keyed by tier name then client name. */
  clients?: Record<string, Record<string, Auth0ClientOverride>>;
  /**
   * Group restrictions (`plan.groups`) through Auth0 RBAC. Default `{ mode: "off" }`: nothing
   * role-related is created and RBAC stays off on the APIs, so tenants that manage roles elsewhere are
   * unaffected. See {@link Auth0GroupsOption}.
   */
  groups?: Auth0GroupsOption;
  /**
   * Creates the upstream client the authorization front signs users in with (output
   * `frontUpstream`): `redirectUri` is the front's callback, `<front issuer>/federation/callback` (`FRONT_CALLBACK_PATH`, the path the front serves).
   */
  front?: FrontUpstreamArgs;
}

/**
 * `mode: "rbac"` creates one `auth0.Role` per declared group (named after its `idpGroup`) holding,
 * through one `auth0.RolePermissions`, every (API, scope) pair the group may be granted, and turns
 * RBAC on for every API (`enforcePolicies: true`): Auth0 then issues a user-delegated token only the
 * requested scopes the user holds through their roles (a user with no role gets no API scope).
 * Client-credentials (agent) tokens are not subject to RBAC: their client grant alone decides.
 * Users are assigned to roles outside the component (see docs/auth0.md).
 */
export interface Auth0GroupsOption {
  mode: "off" | "rbac";
  /**
   * With `mode: "rbac"`: turn RBAC on for the APIs. Default `true`. Set `false` to create the roles
   * first, assign users, then enforce (turning RBAC on before users hold roles leaves their tokens
   * without API scopes).
   */
  enforce?: boolean;
  /**
   * With `mode: "rbac"`: also put the user's permissions for the API in a `permissions` claim
   * (`tokenDialect: rfc9068_profile_authz`; still `typ: at+jwt`). Default `false`: the `scope` claim
   * is already restricted, and the edge reads `scope`.
   */
  permissionsClaim?: boolean;
}

/** One problem with the component's arguments: where, and what to do about it. */
export interface Auth0ArgIssue {
  readonly path: string;
  readonly message: string;
}

/** Thrown by the constructor before any resource is created when the arguments cannot be mapped to Auth0. */
export class Auth0TargetError extends Error {
  override readonly name = "Auth0TargetError";
  readonly issues: readonly Auth0ArgIssue[];
  constructor(issues: readonly Auth0ArgIssue[]) {
    super(
      `Invalid Auth0McpAuth arguments (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issueLines(issues),
    );
    this.issues = issues;
  }
}

// A DNS host name, lower case (Auth0 issuers are lower case; the edge compares `iss` byte for byte).
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

const PemInput = z.union([
  z.string().includes("-----BEGIN ", { message: "expected a PEM block (-----BEGIN PUBLIC KEY----- or CERTIFICATE)" }),
  z.custom<pulumi.Output<string>>((v) => pulumi.Output.isInstance(v), { message: "expected a PEM string or a pulumi Output" }),
]);

const ClientOverrideSchema = z.strictObject({
  appType: z.enum([APP_TYPE.native, APP_TYPE.spa, APP_TYPE.regularWeb, APP_TYPE.nonInteractive]).optional(),
  publicKeyPem: PemInput.optional(),
  allowedOrigins: z.array(z.url({ protocol: /^https?$/ })).optional(),
});

const ArgsSchema = z.strictObject({
  plan: McpAuthPlanSchema,
  domain: z.string().regex(HOST, {
    message: "expected the bare Auth0 domain in lower case, e.g. 'acme.eu.auth0.com' or 'login.acme.com' (no https://, path or trailing slash)",
  }),
  signingAlg: z.enum(SIGNING_ALGS, { message: "expected 'RS256' or 'PS256' (the edge verifies tokens with the tenant's JWKS, so HS256 is not allowed)" }).optional(),
  tenant: z.strictObject({ manage: z.boolean() }).optional(),
  domainConnection: z
    .strictObject({
      name: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,126}[A-Za-z0-9])?$/, {
        message: "expected an Auth0 connection name: letters, digits and '-', not starting or ending with '-', at most 128 characters",
      }),
      disableSignup: z.boolean().optional(),
    })
    .optional(),
  clients: z.record(z.string(), z.record(z.string(), ClientOverrideSchema)).optional(),
  groups: z
    .strictObject({
      mode: z.enum(["off", "rbac"], { message: "expected 'off' or 'rbac'" }),
      enforce: z.boolean().optional(),
      permissionsClaim: z.boolean().optional(),
    })
    .optional(),
  front: FrontUpstreamArgsSchema.optional(),
});

/** Validated arguments with defaults applied. */
export interface ParsedAuth0Args {
  plan: McpAuthPlan;
  domain: string;
  signingAlg: SigningAlg;
  manageTenant: boolean;
  domainConnection?: { name: string; disableSignup: boolean };
  clients: Record<string, Record<string, Auth0ClientOverride>>;
  /** Present only with `groups.mode: "rbac"`. */
  rbac?: { enforce: boolean; permissionsClaim: boolean };
  /** Present when the authorization front's upstream client is wanted. */
  front?: FrontUpstreamArgs;
}

/**
 * Validates the arguments and checks that the plan can be expressed on Auth0. Every problem is
 * reported at once, each naming the field and the fix. Pure: creates nothing.
 * @throws Auth0TargetError
 */
export function parseAuth0Args(input: unknown): ParsedAuth0Args {
  const r = ArgsSchema.safeParse(input);
  if (!r.success) {
    throw new Auth0TargetError(r.error.issues.map((i) => ({ path: `args${i.path.length > 0 ? `.${formatPath(i.path)}` : ""}`, message: describeIssue(i) })));
  }
  const a = r.data;
  const parsed: ParsedAuth0Args = {
    plan: a.plan,
    domain: a.domain,
    signingAlg: a.signingAlg ?? "RS256",
    manageTenant: a.tenant?.manage ?? false,
    ...(a.domainConnection ? { domainConnection: { name: a.domainConnection.name, disableSignup: a.domainConnection.disableSignup ?? false } } : {}),
    clients: (a.clients ?? {}) as Record<string, Record<string, Auth0ClientOverride>>,
    ...(a.groups?.mode === "rbac" ? { rbac: { enforce: a.groups.enforce ?? true, permissionsClaim: a.groups.permissionsClaim ?? false } } : {}),
    ...(a.front ? { front: a.front as FrontUpstreamArgs } : {}),
  };
  const issues = planProblems(parsed);
  if (issues.length > 0) throw new Auth0TargetError(issues);
  return parsed;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}; remove or check the spelling`;
  if (issue.code === "invalid_type" && issue.input === undefined) return `required; expected ${issue.expected}`;
  return issue.message;
}

const CIMD_GRANTS = new Set(["authorization_code", "refresh_token"]);

/** What in a (schema-valid) plan Auth0 cannot provision, and overrides that name unknown clients. */
function planProblems(a: ParsedAuth0Args): Auth0ArgIssue[] {
  const issues: Auth0ArgIssue[] = [];
  const { plan } = a;
  // Auth0 rejects '<' and '>' in application and API names.
  for (const [i, server] of plan.servers.entries()) {
    if (/[<>]/.test(server.displayName)) issues.push({ path: `plan.servers[${i}].displayName`, message: "Auth0 API names cannot contain '<' or '>'; rename the server's displayName" });
  }
  for (const tier of plan.tiers) {
    const at = `plan.tiers[${JSON.stringify(tier.name)}]`;
    for (const g of tier.grantTypes) {
      if (!(g in AUTH0_GRANT_TYPES)) {
        issues.push({
          path: `${at}.grantTypes`,
          message: `Auth0 clients cannot use the '${g}' grant${g === "implicit" || g === "password" ? " (OAuth 2.1 removed it)" : ""}; remove it from the tier`,
        });
      }
    }
    for (const [i, c] of tier.clients.entries()) {
      const cp = `${at}.clients[${i}]`;
      const override = a.clients[tier.name]?.[c.name];
      if (/[<>]/.test(c.displayName)) issues.push({ path: `${cp}.displayName`, message: "Auth0 application names cannot contain '<' or '>'; rename the client" });
      if (tier.registration === "cimd") {
        if (!c.metadataDocumentUrl) issues.push({ path: `${cp}.metadataDocumentUrl`, message: "a CIMD client needs the HTTPS URL of its client ID metadata document" });
        else if (!c.metadataDocumentUrl.startsWith("https://")) issues.push({ path: `${cp}.metadataDocumentUrl`, message: "Auth0 only fetches CIMD documents over https" });
        else if (tier.allowedDomains.length > 0 && !tier.allowedDomains.includes(new URL(c.metadataDocumentUrl).hostname)) {
          issues.push({ path: `${cp}.metadataDocumentUrl`, message: `host is not in the tier's allowedDomains (${tier.allowedDomains.join(", ")}); add it there or fix the URL` });
        }
        const bad = tier.grantTypes.filter((g) => !CIMD_GRANTS.has(g));
        if (bad.length > 0) issues.push({ path: `${at}.grantTypes`, message: `Auth0 CIMD clients only support authorization_code and refresh_token; remove ${bad.join(", ")}` });
        if (override?.appType && !(CIMD_APP_TYPES as readonly string[]).includes(override.appType)) {
          issues.push({ path: `args.clients.${tier.name}.${c.name}.appType`, message: `CIMD clients can only be ${CIMD_APP_TYPES.join(", ")}` });
        }
        continue;
      }
      if (tier.registration === "dcr") {
        issues.push({ path: cp, message: "DCR tiers have no pre-declared clients (clients register themselves); move the client to a pre-registered or cimd tier" });
        continue;
      }
      if (override?.appType) {
        const interactive = tier.grantTypes.includes("authorization_code");
        const fits = !interactive
          ? override.appType === APP_TYPE.nonInteractive
          : tier.clientType === "public"
            ? override.appType === APP_TYPE.native || override.appType === APP_TYPE.spa
            : override.appType === APP_TYPE.regularWeb;
        if (!fits) {
          issues.push({
            path: `args.clients.${tier.name}.${c.name}.appType`,
            message: `'${override.appType}' does not fit tier '${tier.name}' (${tier.clientType}, ${tier.grantTypes.join(", ")}); use ${!interactive ? "non_interactive" : tier.clientType === "public" ? "native or spa" : "regular_web"}`,
          });
        }
      }
      if (tier.grantTypes.includes("authorization_code") && c.redirectUris.length === 0) {
        issues.push({ path: `${cp}.redirectUris`, message: "an authorization-code client needs at least one exact redirect URI" });
      }
      if (tier.clientType === "confidential" && tier.tokenEndpointAuthMethod === "private_key_jwt" && !override?.publicKeyPem) {
        issues.push({
          path: `args.clients.${tier.name}.${c.name}.publicKeyPem`,
          message: `tier '${tier.name}' authenticates with private_key_jwt, and Auth0 needs the client's public key (it cannot fetch a jwks_uri); pass its PEM here`,
        });
      }
      if (tier.clientType === "public" && tier.tokenEndpointAuthMethod !== "none") {
        issues.push({ path: `${at}.tokenEndpointAuthMethod`, message: "a public client holds no credential; use 'none' or make the tier confidential" });
      }
    }
  }
  if (a.rbac) issues.push(...rbacProblems(plan));
  for (const [tierName, byClient] of Object.entries(a.clients)) {
    const tier = plan.tiers.find((t) => t.name === tierName);
    if (!tier) {
      issues.push({ path: `args.clients.${tierName}`, message: `no tier named '${tierName}' in the plan; known: ${plan.tiers.map((t) => t.name).join(", ")}` });
      continue;
    }
    for (const clientName of Object.keys(byClient)) {
      if (!tier.clients.some((c) => c.name === clientName)) {
        issues.push({
          path: `args.clients.${tierName}.${clientName}`,
          message: `tier '${tierName}' declares no client '${clientName}'; known: ${tier.clients.map((c) => c.name).join(", ") || "(none)"}`,
        });
      }
    }
  }
  return issues;
}

/** What stops `groups.mode: "rbac"`: no groups to make roles of, or two groups that would share a role name. */
function rbacProblems(plan: McpAuthPlan): Auth0ArgIssue[] {
  if (plan.groups.length === 0) {
    return [{ path: "args.groups.mode", message: "'rbac' needs groups in the plan: with RBAC on and no roles, every user token would carry no API scope; declare groups or use mode 'off'" }];
  }
  const issues: Auth0ArgIssue[] = [];
  const byRoleName = new Map<string, string>();
  for (const g of plan.groups) {
    const other = byRoleName.get(g.idpGroup);
    if (other !== undefined) {
      issues.push({ path: `plan.groups[${JSON.stringify(g.name)}].idpGroup`, message: `'${g.idpGroup}' is also the idpGroup of group '${other}'; each group becomes an Auth0 role named after its idpGroup, so they must differ` });
    }
    byRoleName.set(g.idpGroup, g.name);
    if (g.idpGroup.trim() === "") issues.push({ path: `plan.groups[${JSON.stringify(g.name)}].idpGroup`, message: "an Auth0 role needs a non-empty name; set the group's idpGroup" });
  }
  return issues;
}

/** @deprecated Renamed {@link Auth0McpAuthArgs} (`<Idp>McpAuth` naming); kept as an alias. */
export type McpAuthAuth0Args = Auth0McpAuthArgs;
