import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { McpAuthPlanSchema } from "../../plan/schema.js";
import { FrontUpstreamArgsSchema } from "../front-upstream.js";

/**
 * Arguments of the Entra component, validated with zod at construction so that a mistake fails
 * `pulumi preview` with the field named instead of half-creating an application registration.
 */

const Guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "expected a GUID");
/** A GUID, or a Pulumi Output of one (checked when it resolves). */
const GuidInput = z.union([Guid, z.custom<pulumi.Output<string>>((v) => pulumi.Output.isInstance(v), "expected a GUID or a pulumi.Output<string>")]);

export const EntraMcpAuthArgsSchema = z.strictObject({
  /** The compiled plan (`compile(declaration)`). */
  plan: McpAuthPlanSchema,
  /** Entra tenant ID (GUID). Default: the provider's tenant (`azuread.getClientConfig`). */
  tenantId: GuidInput.optional(),
  /** Only these MCP servers. Default: every server in the plan. */
  servers: z.array(z.string().min(1)).min(1).optional(),
  /** Prefix for Entra display names. Default: `<plan name> MCP: `. */
  displayNamePrefix: z.string().max(60).optional(),
  /**
   * The tenant's verified domains. Each server's resource host must be one of them or a subdomain
   * (identifier-URI restriction). Default: looked up with `azuread.getDomains` at deploy time.
   */
  verifiedDomains: z.array(z.string().min(1)).optional(),
  /**
   * Pre-registered clients that already exist in Entra, keyed `<tier>-<client>` (e.g.
   * `verified-claude-code`) → their application (client) ID. Those are pre-authorized but not
   * created. Every other client of a pre-registered tier is created as an application. Agents
   * (clients of a client-credentials tier, e.g. `agent-nightly-digest`) may be listed too: they are
   * assigned their application permissions but not created.
   */
  existingClients: z.record(z.string(), Guid).optional(),
  /**
   * Record tenant-wide admin consent (ServicePrincipalDelegatedPermissionGrant) for the Admin-type
   * (high and critical) scopes each pre-registered client may hold. Default false: pre-authorization
   * alone, and an administrator consents in the portal.
   */
  grantAdminConsent: z.boolean().optional(),
  /** Declared group name → Entra group object ID; each gets an app-role assignment on the servers it has scopes on. */
  groupObjectIds: z.record(z.string(), GuidInput).optional(),
  /**
   * Only users assigned an app role (through their group) can get tokens for a server
   * (`appRoleAssignmentRequired`). Requires an object ID for every group with scopes on the server.
   * Default false.
   */
  assignmentRequired: z.boolean().optional(),
  /** How the edge names scopes on the wire. Default `qualified` (see `EntraScopeForm`). */
  scopeForm: z.enum(["qualified", "declared"]).optional(),
  /** Deploy-time JWKS snapshot of the tenant, put in each edge config. */
  jwks: z.looseObject({ keys: z.array(z.looseObject({ kty: z.string() })) }).optional(),
  /**
   * Enforce the declared refresh-token lifetime as a Conditional Access sign-in frequency
   * (days) on each server application. Needs Entra ID P1. Default: not created.
   */
  signInFrequency: z
    .strictObject({ state: z.enum(["enabled", "disabled", "enabledForReportingButNotEnforced"]) })
    .optional(),
  /** Object IDs of the owners of every created application. */
  owners: z.array(Guid).optional(),
  /**
   * Creates the upstream client the authorization front signs users in with (output
   * `frontUpstream`): `redirectUri` is the front's callback, `<front issuer>/federation/callback` (`FRONT_CALLBACK_PATH`, the path the front serves).
   * Members of each declared group with an object ID (`groupObjectIds`) may sign in.
   */
  front: FrontUpstreamArgsSchema.optional(),
});

/** What `new EntraMcpAuth(name, args)` accepts. */
export type EntraMcpAuthArgs = z.input<typeof EntraMcpAuthArgsSchema>;
export type ParsedEntraMcpAuthArgs = z.infer<typeof EntraMcpAuthArgsSchema>;

/** Thrown when the component's arguments are invalid; the message names every bad field. */
export class EntraArgsError extends Error {
  override readonly name = "EntraArgsError";
}

export function parseEntraArgs(input: unknown): ParsedEntraMcpAuthArgs {
  const r = EntraMcpAuthArgsSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  - ${i.path.length ? i.path.map(String).join(".") : "(args)"}: ${i.message}`);
  throw new EntraArgsError(`Invalid EntraMcpAuth arguments:\n${lines.join("\n")}`);
}
