/**
 * What the per-IdP front examples (stacks/front-okta, front-auth0, front-entra) share: the
 * authorization front on AWS (McpAuthFront) on its own host, federating sign-in to the IdP through
 * the upstream client the IdP target creates, and the edge (McpEdge) trusting the front as issuer.
 *
 * Config (namespace mcp-auth):
 *   frontDomainName      host of the front, e.g. auth.example.com (the issuer is https://<host>)
 *   frontCertificateArn  ACM certificate for it, in us-east-1
 *   frontHostedZoneId    optional: Route 53 zone to create the alias records in
 *   frontSigningKey      secret: the front's private signing JWK (JSON, with kid and alg)
 *   edgeAssertionKey     optional secret: the edge's private JWK for the upstream identity assertion
 *                        (default: McpEdge generates one and keeps it in Secrets Manager)
 *   alarmTopicArn        optional: SNS topic for the front's and the edge's alarms
 *   clientPublicKeys     optional: { "<client>": <public JWK> } for private_key_jwt agents without a jwksUri
 *   frontBundleFile      optional: a prebuilt front bundle (npm run build:front); default: built during pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { edgeConfigFor } from "../components/edge-config.js";
import { FRONT_CALLBACK_PATH } from "../components/targets/front-upstream.js";
import type { McpAuthPlan } from "../components/plan/schema.js";
import { FRONT_EDGE_SECRET_ENV, McpAuthFront, McpEdge } from "../components/targets/aws/index.js";

/** Where the front receives the IdP's sign-in answer, below its issuer. */
export const FRONT_UPSTREAM_CALLBACK_PATH = FRONT_CALLBACK_PATH;

/** The IdP target's upstream client for the front (its `frontUpstream` output). */
export interface FrontUpstreamOutput {
  issuer: pulumi.Input<string>;
  clientId: pulumi.Input<string>;
  clientSecret?: pulumi.Input<string>;
  groupsClaim?: pulumi.Input<string>;
  /** Entra: `tid`. */
  tenantClaim?: pulumi.Input<string>;
}

/** The front's host and issuer, read from config before any resource exists. */
export function frontHost(config: pulumi.Config): { domainName: string; issuer: string; callbackUrl: string } {
  const domainName = config.require("frontDomainName");
  const issuer = `https://${domainName}`;
  return { domainName, issuer, callbackUrl: `${issuer}${FRONT_UPSTREAM_CALLBACK_PATH}` };
}

/** Reads `frontUpstream` from an IdP component created with its `front` argument. */
export function frontUpstreamOf(idp: object, target: string): FrontUpstreamOutput {
  const upstream = (idp as { frontUpstream?: FrontUpstreamOutput }).frontUpstream;
  if (!upstream) throw new Error(`${target} has no frontUpstream output: create it with its 'front' argument ({ redirectUri }) so it provisions the front's upstream client`);
  return upstream;
}

/** The front on its own host (config above), federating sign-in to `upstream`. */
export function deployFront(name: string, plan: McpAuthPlan, upstream: FrontUpstreamOutput, config: pulumi.Config, tags: Record<string, string>): McpAuthFront {
  const host = frontHost(config);
  const alarmTopicArn = config.get("alarmTopicArn");
  return new McpAuthFront(name, {
    plan,
    upstream,
    signingKey: config.requireSecret("frontSigningKey"),
    clientCredentials: Object.fromEntries(Object.entries(config.getObject<Record<string, Record<string, unknown>>>("clientPublicKeys") ?? {}).map(([id, publicJwk]) => [id, { publicJwk }])),
    ...(config.get("frontBundleFile") ? { bundleFile: config.require("frontBundleFile") } : {}),
    customDomain: {
      domainName: host.domainName,
      certificateArn: config.require("frontCertificateArn"),
      ...(config.get("frontHostedZoneId") ? { hostedZoneId: config.require("frontHostedZoneId") } : {}),
    },
    alarms: { actions: alarmTopicArn ? [alarmTopicArn] : [] },
    tags,
  });
}

/**
 * What makes `McpEdge` trust the front: each server's edge config names the front as its only
 * issuer and carries the front's public keys from the deploy (no network on cold start, nothing to
 * fetch from a front not yet serving; hence no JWKS snapshot of an IdP), and the edge introspects
 * and reads the revocation list with the front's edge client (its secret in Secrets Manager).
 */
export function edgeTrustingFront(plan: McpAuthPlan, front: McpAuthFront) {
  return {
    edgeConfigOf: (server: string) => front.tokenFacts.apply((facts) => edgeConfigFor(plan, server, facts)),
    jwksSnapshot: false,
    secrets: { [FRONT_EDGE_SECRET_ENV]: front.edgeClientSecret },
  };
}

/** Deploys the front and the edge; returns the stack outputs. */
export function deployFrontAndEdge(name: string, plan: McpAuthPlan, upstream: FrontUpstreamOutput, config: pulumi.Config, tags: Record<string, string>) {
  const alarmTopicArn = config.get("alarmTopicArn");
  const front = deployFront(name, plan, upstream, config, tags);
  const trust = edgeTrustingFront(plan, front);
  const edge = new McpEdge(name, {
    servers: plan.servers.map((s) => ({ name: s.name, edgeConfig: trust.edgeConfigOf(s.name) })),
    jwksSnapshot: trust.jwksSnapshot,
    ...(config.get("edgeAssertionKey") !== undefined ? { assertionKey: config.requireSecret("edgeAssertionKey") } : {}),
    secrets: trust.secrets,
    alarms: { actions: alarmTopicArn ? [alarmTopicArn] : [] },
    tags,
  });
  return {
    frontIssuer: front.issuer,
    frontDistributionDomainName: front.distributionDomainName,
    frontTableName: front.tableName,
    frontAlarms: front.alarmNames,
    servers: edge.servers,
    edgeFunctionUrl: edge.functionUrl,
    edgeAlarms: edge.alarmNames,
  };
}
