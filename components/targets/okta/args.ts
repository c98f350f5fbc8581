import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { McpAuthDeclarationInput } from "../../model/declarations.js";
import { formatPath, issueLines } from "../../model/validate.js";
import { compile } from "../../plan/compile.js";
import { McpAuthPlanSchema, type McpAuthPlan } from "../../plan/schema.js";
import { FrontUpstreamArgsSchema, type FrontUpstreamArgs } from "../front-upstream.js";
import { OKTA_ISSUER_MODES, type OktaIssuerMode } from "./constants.js";

/** A string or a Pulumi Output of one (e.g. the id of an `okta.group.Group` in the same stack). */
const StringInput = z.custom<pulumi.Input<string>>(
  (v) => (typeof v === "string" && v.length > 0) || pulumi.Output.isInstance(v) || v instanceof Promise,
  "expected a non-empty string or a Pulumi Output<string>",
);
const HttpsUrl = z.url({ protocol: /^https$/, error: "expected an https URL" });

/** Arguments of {@link OktaMcpAuth}. Validated with zod in the constructor, before any child is created. */
export const OktaMcpAuthArgsSchema = z
  .strictObject({
    /** The compiled plan (`compile(declarations)`), or … */
    plan: z.unknown().optional(),
    /** … the declarations, compiled here. Give exactly one of `plan` and `declarations`. */
    declarations: z.unknown().optional(),
    /**
     * Okta group id per declared group (plan group name → id). Default: looked up by the group's
     * `idpGroup` name with `okta.group.getGroup`, which fails the preview if the group does not exist.
     */
    groupIds: z.record(z.string(), StringInput).optional(),
    /**
     * Client ids registered outside this component (e.g. by an admin or a registration proxy
     * holding `okta.clients.register`), per tier name. Each tier's access policy lists them.
     */
    externalClients: z.record(z.string(), z.array(z.string().min(1))).optional(),
    /** JWKS URI per `<tier>/<client>` for `private_key_jwt` clients whose declaration has none. */
    clientJwksUris: z.record(z.string(), HttpsUrl).optional(),
    /** Okta Expression Language per identity claim. Default tenant: `user.profile.<claim>`; agent: `app.clientId`. */
    claimExpressions: z.strictObject({ tenant: z.string().min(1).optional(), agent: z.string().min(1).optional() }).optional(),
    /** `okta.auth.Server.issuerMode`. Default `ORG_URL`. */
    issuerMode: z.enum(OKTA_ISSUER_MODES).optional(),
    /**
     * Create a service app the edge uses to call `/v1/introspect` for servers with
     * immediate-revocation scopes. Default true. When false, pass `introspectionClientId`.
     */
    createIntrospectionClient: z.boolean().optional(),
    /** An existing client the edge introspects with (instead of a created one). */
    introspectionClientId: StringInput.optional(),
    /** Environment variable the edge reads the introspection client secret from. Default `OKTA_INTROSPECTION_CLIENT_SECRET`. */
    introspectionSecretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "expected an environment variable name (A-Z, 0-9, _)").optional(),
    /** Prefix of Okta display names (authorization servers, apps, policies). Default: the plan's name. */
    namePrefix: z.string().min(1).max(30).optional(),
    /**
     * Creates the upstream client the authorization front signs users in with (output
     * `frontUpstream`). `redirectUri` is the front's callback, `<front issuer>/federation/callback` (`FRONT_CALLBACK_PATH`, the path the front serves).
     */
    front: FrontUpstreamArgsSchema.optional(),
  })
  .refine((a) => (a.plan === undefined) !== (a.declarations === undefined), {
    message: "give exactly one of 'plan' (a compiled plan) and 'declarations' (compiled here)",
    path: ["plan"],
  });

/**
 * What `OktaMcpAuth` accepts: the schema's input, with `plan` and `declarations` typed for callers
 * (both are still validated at run time, since plain-JS callers and plan files bypass the types).
 */
export type OktaMcpAuthArgsInput = Omit<z.input<typeof OktaMcpAuthArgsSchema>, "plan" | "declarations" | "front"> & {
  /** Creates the authorization front's upstream OIDC client (output `frontUpstream`). */
  readonly front?: FrontUpstreamArgs | undefined;
  readonly plan?: McpAuthPlan | undefined;
  readonly declarations?: McpAuthDeclarationInput | undefined;
};

/** Validated arguments with the plan resolved and defaults applied. */
export interface ResolvedOktaArgs {
  readonly plan: McpAuthPlan;
  readonly groupIds: Readonly<Record<string, pulumi.Input<string>>>;
  readonly externalClients: Readonly<Record<string, readonly string[]>>;
  readonly clientJwksUris: Readonly<Record<string, string>>;
  readonly claimExpressions: { readonly tenant?: string | undefined; readonly agent?: string | undefined };
  readonly issuerMode: OktaIssuerMode;
  readonly createIntrospectionClient: boolean;
  readonly introspectionClientId?: pulumi.Input<string> | undefined;
  readonly introspectionSecretEnv: string;
  readonly namePrefix: string;
  readonly front?: FrontUpstreamArgs | undefined;
}

/** One problem with the component's arguments: where, and what to do. */
export interface OktaArgsIssue {
  readonly path: string;
  readonly message: string;
}

/** Thrown by the constructor when the arguments or the plan cannot be mapped onto Okta. */
export class OktaTargetError extends Error {
  override readonly name = "OktaTargetError";
  constructor(readonly issues: readonly OktaArgsIssue[]) {
    super(`Okta target: ${issues.length} problem${issues.length === 1 ? "" : "s"}:\n${issueLines(issues)}`);
  }
}

/**
 * Parses the arguments, resolves the plan (validating a given plan against `McpAuthPlanSchema`,
 * or compiling declarations) and applies defaults.
 * @throws OktaTargetError naming every bad field
 * @throws DeclarationError when `declarations` do not compile
 */
export function resolveOktaArgs(input: unknown): ResolvedOktaArgs {
  const parsed = OktaMcpAuthArgsSchema.safeParse(input);
  if (!parsed.success) {
    throw new OktaTargetError(parsed.error.issues.map((i) => ({ path: `args.${formatPath(i.path) || "(root)"}`, message: i.message })));
  }
  const a = parsed.data;
  let plan: McpAuthPlan;
  if (a.plan !== undefined) {
    const p = McpAuthPlanSchema.safeParse(a.plan);
    if (!p.success) {
      throw new OktaTargetError(
        p.error.issues.map((i) => ({ path: `args.plan.${formatPath(i.path)}`, message: `${i.message}; pass the output of compile() (or a plan file from 'pulumi-mcp-auth plan')` })),
      );
    }
    plan = p.data;
  } else {
    plan = compile(a.declarations);
  }
  return {
    plan,
    groupIds: a.groupIds ?? {},
    externalClients: a.externalClients ?? {},
    clientJwksUris: a.clientJwksUris ?? {},
    claimExpressions: a.claimExpressions ?? {},
    issuerMode: a.issuerMode ?? "ORG_URL",
    createIntrospectionClient: a.createIntrospectionClient ?? a.introspectionClientId === undefined,
    introspectionClientId: a.introspectionClientId,
    introspectionSecretEnv: a.introspectionSecretEnv ?? "OKTA_INTROSPECTION_CLIENT_SECRET",
    namePrefix: a.namePrefix ?? plan.name,
    ...(a.front ? { front: a.front } : {}),
  };
}
