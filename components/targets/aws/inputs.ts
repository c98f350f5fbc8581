import * as pulumi from "@pulumi/pulumi";
import type { EdgeConfig } from "../../../lambda/config.js";
import { checkCertificateArn, type McpEdgeArgs, type PlainArgs } from "./args.js";
import { checkCustomDomain, resolveConfigs, withJwksSnapshots } from "./archive.js";
import { namedSecretsDocument } from "./secrets.js";

/**
 * What `McpEdge` derives from its arguments before creating anything: the servers' configs (from
 * each server or the IdP component), checked against the custom domain and its certificate, and
 * the named-secrets document. Every check runs before the archive resolves, and the function's
 * code is the archive, so a failed check leaves no function behind.
 */

/**
 * Each server's config input: its own `edgeConfig`, else the IdP component's
 * `servers[name].edgeConfig` (a missing server is named with the ones the IdP has).
 */
export function serverInputs(args: McpEdgeArgs): Array<{ name: string; edgeConfig: pulumi.Input<EdgeConfig>; upstream?: pulumi.Input<string> }> {
  return args.servers.map((s) => ({
    name: s.name,
    ...(s.upstream !== undefined ? { upstream: s.upstream } : {}),
    edgeConfig: s.edgeConfig ?? pulumi.output(args.idp!.servers).apply((all) => idpEdgeConfig(all, s.name)),
  }));
}

/** A server's edge config from the IdP component's resolved `servers`. @throws Error naming the servers it has */
export function idpEdgeConfig(all: Readonly<Record<string, { readonly edgeConfig?: EdgeConfig } | undefined>>, name: string): EdgeConfig {
  const found = all[name];
  if (!found?.edgeConfig) throw new Error(`servers[${name}]: the idp component has no server named ${name} (it has: ${Object.keys(all).join(", ")})`);
  return found.edgeConfig;
}

/** The derived inputs of one edge. @internal Exported for testing. */
export interface EdgeInputs {
  /** Validated configs, in argument order (JWKS snapshots added when asked). */
  readonly configs: pulumi.Output<EdgeConfig[]>;
  /** The same, resolved only once every secret a config names has a value (what the archive ships). */
  readonly checked: pulumi.Output<EdgeConfig[]>;
  /** The certificate ARN, checked to be in us-east-1. */
  readonly certificateArn: pulumi.Output<string> | undefined;
  /** The named-secrets document (a secret), when anything can provide one. */
  readonly namedSecrets: pulumi.Output<string> | undefined;
}

/** Derives {@link EdgeInputs} from the arguments and their validated plain part. */
export function edgeInputs(args: McpEdgeArgs, a: PlainArgs): EdgeInputs {
  const resolved = resolveConfigs(serverInputs(args), a.mode);
  const domain = a.customDomain?.domainName;
  // A certificate ARN known only as an Output is checked when it resolves (a plain one was checked by zod).
  const certificateArn = args.customDomain ? pulumi.output(args.customDomain.certificateArn).apply(checkCertificateArn) : undefined;
  const configs: pulumi.Output<EdgeConfig[]> = pulumi.all([resolved, certificateArn]).apply(async ([cs]) => {
    if (domain) checkCustomDomain(cs, domain);
    return a.jwksSnapshot ? withJwksSnapshots(cs) : cs;
  });
  const given = { ...(args.secretEnvironment ?? {}), ...(args.secrets ?? {}) };
  const idpSecret = args.idp?.introspectionClientSecret;
  const idpGiven = args.idp !== undefined;
  const namedSecrets =
    Object.keys(given).length > 0 || idpSecret !== undefined
      ? pulumi.secret(pulumi.all([configs, pulumi.all(given), idpSecret]).apply(([cs, g, idp]) => namedSecretsDocument(cs, g, idp, idpGiven)))
      : undefined;
  // A config that introspects must get its secret, or the function's cold start would refuse it.
  const checked = namedSecrets ? pulumi.all([configs, namedSecrets]).apply(([cs]) => cs) : configs.apply((cs) => (namedSecretsDocument(cs, {}, undefined, idpGiven), cs));
  return { configs, checked, certificateArn, namedSecrets };
}
