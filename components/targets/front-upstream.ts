import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { FEDERATION_CALLBACK_PATH } from "../front/federation-path.js";

/**
 * The upstream OIDC client the authorization front signs users in with, as each IdP target creates
 * it when its `front` argument is given. The front is the MCP authorization server; the IdP stays
 * the source of identity (users, MFA, groups) through OpenID Connect authorization code + PKCE
 * (OpenID Connect Core 1.0 §3.1; RFC 7636). See docs/front.md.
 */

/**
 * Path of the front's OIDC callback below its issuer: `<front issuer>/federation/callback`. The
 * same constant the front serves (components/front/federation-path.ts), not a copy of it.
 */
export const FRONT_CALLBACK_PATH: typeof FEDERATION_CALLBACK_PATH = FEDERATION_CALLBACK_PATH;

/**
 * Why a front callback URL cannot be registered at an IdP, or undefined when it can: an absolute
 * https URL (http only on a loopback host, for a front on a laptop), no fragment (RFC 6749 §3.1.2),
 * no wildcard (IdPs compare redirect URIs exactly; OAuth 2.1 §2.3.1).
 */
export function frontRedirectUriProblem(uri: string): string | undefined {
  if (uri.includes("*")) return "wildcards are not allowed in a redirect URI (exact match); give the front's callback URL";
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `expected an absolute URL such as https://auth.example.com${FRONT_CALLBACK_PATH}`;
  }
  const loopback = u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.hostname === "[::1]";
  if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback)) return "expected an https URL (http only on a loopback host)";
  if (u.hash !== "" || uri.includes("#")) return "a redirect URI cannot have a fragment (RFC 6749 §3.1.2)";
  if (u.username !== "" || u.password !== "") return "a redirect URI cannot carry credentials";
  return undefined;
}

/** A string or a Pulumi Output of one (e.g. the front's URL from `McpAuthFront`). */
const UrlInput = z.custom<pulumi.Input<string>>(
  (v) => (typeof v === "string" && frontRedirectUriProblem(v) === undefined) || pulumi.Output.isInstance(v) || v instanceof Promise,
  { error: (issue) => (typeof issue.input === "string" ? frontRedirectUriProblem(issue.input)! : "expected the front's callback URL (a string or a Pulumi Output<string>)") },
);

/** The `front` argument every IdP component accepts. */
export const FrontUpstreamArgsSchema = z.strictObject({
  /** The front's OIDC callback, registered exactly at the IdP: `<front issuer>/federation/callback`. */
  redirectUri: UrlInput,
});

/** `front`: enables the authorization front's upstream client on an IdP component. */
export interface FrontUpstreamArgs {
  /** The front's OIDC callback, registered exactly at the IdP: `<front issuer>/federation/callback`. */
  readonly redirectUri: pulumi.Input<string>;
}

/** What an IdP component outputs for the front (`frontUpstream`). */
export interface FrontUpstream {
  /** The OIDC issuer the front discovers (`/.well-known/openid-configuration` below it). */
  readonly issuer: pulumi.Output<string>;
  readonly clientId: pulumi.Output<string>;
  /** The client secret (`client_secret_basic`/`_post`), always a Pulumi secret. */
  readonly clientSecret: pulumi.Output<string>;
  /** ID-token claim carrying the user's groups or roles. */
  readonly groupsClaim: pulumi.Output<string>;
  /** Value the IdP puts in `groupsClaim` → plan group name: how the front maps groups to scopes. */
  readonly groups: pulumi.Output<Record<string, string>>;
}

/** Builds the output record, making sure the secret is a secret whatever the provider marks. */
export function frontUpstreamOutputs(o: {
  issuer: pulumi.Input<string>;
  clientId: pulumi.Input<string>;
  clientSecret: pulumi.Input<string>;
  groupsClaim: pulumi.Input<string>;
  groups: pulumi.Input<Record<string, pulumi.Input<string>>>;
}): FrontUpstream {
  return {
    issuer: pulumi.output(o.issuer),
    clientId: pulumi.output(o.clientId),
    clientSecret: pulumi.secret(o.clientSecret),
    groupsClaim: pulumi.output(o.groupsClaim),
    groups: pulumi.output(o.groups).apply((g) => ({ ...g }) as Record<string, string>),
  };
}

/** The front's issuer from its callback URL (the URL without the trailing callback path). */
export function frontIssuerOf(redirectUri: string): string {
  return redirectUri.endsWith(FRONT_CALLBACK_PATH) ? redirectUri.slice(0, -FRONT_CALLBACK_PATH.length) : new URL(redirectUri).origin;
}

/** A regular expression matching exactly these names (for IdP group filters). */
export function exactNamesPattern(names: readonly string[]): string {
  const escaped = [...new Set(names)].sort().map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
  return `^(?:${escaped.join("|")})$`;
}
