import { createHmac } from "node:crypto";
import type * as oidc from "openid-client";
import type { McpAuthPlan } from "../plan/schema.js";
import { planGroupsOf, type FrontUser } from "./policy.js";
import { FEDERATION_CALLBACK_PATH } from "./federation-path.js";
import type { FrontStore } from "./store/types.js";

/**
 * Federated sign-in at the upstream IdP (Okta, Auth0, Entra v2, or the embedded local provider):
 * OpenID Connect authorization code flow with PKCE S256, `state` and `nonce` (OpenID Connect Core
 * §3.1, RFC 7636), using openid-client. The upstream identity becomes a {@link FrontAccount}.
 * Pending sign-ins live in the store, so any instance of the front can finish them.
 */

/** The upstream IdP the front federates (contract in front.ts). */
export interface UpstreamConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes?: string[];
  groupsClaim?: string;
  tenantClaim?: string;
}

/** A user of the front: the upstream identity mapped onto the plan (stored as model `FrontAccount`). */
export interface FrontAccount extends FrontUser {
  /** The front's `sub`: a keyed hash of the upstream issuer and subject (stable per upstream user). */
  sub: string;
  upstreamIssuer: string;
  tenant?: string;
  /** Last upstream authentication, epoch seconds (`auth_time`). */
  authTime: number;
}

/** A sign-in started by the front, waiting for the upstream's callback. */
interface PendingSignIn {
  /** What the sign-in is for: an authorization interaction, or the user's grants page. */
  purpose: "interaction" | "grants";
  /** The interaction uid (purpose `interaction`). */
  uid?: string;
  verifier: string;
  nonce: string;
}

export { FEDERATION_CALLBACK_PATH } from "./federation-path.js";
const PENDING_MODEL = "FederatedSignIn";
const ACCOUNT_MODEL = "FrontAccount";
const PENDING_SECONDS = 600;
/** Accounts are rewritten at every sign-in; one unused for this long is dropped. */
const ACCOUNT_SECONDS = 400 * 86_400;

export interface Federation {
  /** Starts a sign-in: returns the upstream authorization URL to redirect the browser to. */
  start(purpose: PendingSignIn["purpose"], uid?: string): Promise<string>;
  /**
   * Finishes a sign-in from the callback URL. @returns the account and what it was for.
   * @throws FederationError when the response is an error, forged, replayed or expired.
   */
  finish(callbackUrl: URL): Promise<{ account: FrontAccount; purpose: PendingSignIn["purpose"]; uid?: string }>;
  /** A stored account by the front's `sub`. */
  account(sub: string): Promise<FrontAccount | undefined>;
}

/**
 * Why a federated sign-in failed, as logged in the `sign_in_failed` line (docs/front.md):
 * - `unknown_state`: a callback whose `state` the front did not issue, or whose sign-in expired;
 * - `replayed_state`: a callback for a sign-in already finished;
 * - `upstream_error`: the IdP answered with an error (`upstream_error` carries its code, e.g.
 *   `access_denied` when the user refused or is not assigned);
 * - `upstream_unavailable`: the IdP's discovery document could not be read;
 * - `token_exchange_failed`: the IdP's token endpoint refused the code (wrong PKCE verifier,
 *   expired or replayed code; `upstream_error` carries its code);
 * - `id_token_invalid`: the ID token failed validation (signature, issuer, audience, nonce, times, algorithm);
 * - `response_invalid`: any other malformed answer (e.g. a mismatched RFC 9207 `iss`);
 * - `no_id_token`: the IdP returned no ID token;
 * - `user_refused`: the user refused at the front's own consent or step-up page (a refusal at the
 *   IdP is `upstream_error` with `access_denied`).
 */
export type SignInFailure = "unknown_state" | "replayed_state" | "upstream_error" | "upstream_unavailable" | "token_exchange_failed" | "id_token_invalid" | "response_invalid" | "no_id_token" | "user_refused";

/**
 * The log line of a failed federated sign-in: one JSON object with `event: "sign_in_failed"` (the
 * term the failed-sign-in metric filter of McpAuthFront counts), the {@link SignInFailure} reason,
 * the IdP's OAuth error code when it sent one, the MCP client and the upstream issuer. Never a
 * token, an authorization code, a state or nonce value, or a secret; the message is the front's
 * own text (it names no value the IdP sent other than its error code).
 */
export function signInFailedLine(f: { reason: SignInFailure; upstreamIssuer?: string; upstreamError?: string; clientId?: string | undefined; message: string }): string {
  return JSON.stringify({
    event: "sign_in_failed",
    reason: f.reason,
    ...(f.upstreamError !== undefined ? { upstream_error: f.upstreamError } : {}),
    ...(f.clientId !== undefined ? { client_id: f.clientId } : {}),
    ...(f.upstreamIssuer !== undefined ? { upstream_issuer: f.upstreamIssuer } : {}),
    message: f.message,
  });
}

export class FederationError extends Error {
  override readonly name = "FederationError";
  constructor(
    message: string,
    /** The interaction to fail, when the callback could be tied to one. */
    readonly uid?: string,
    readonly reason: SignInFailure = "response_invalid",
    /** The IdP's OAuth error code, when it sent one (never its description, a token or a code). */
    readonly upstreamError?: string,
  ) {
    super(message);
  }
}

/** An OAuth error code as the IdP sent it (`access_denied`, `invalid_grant`), only when it looks like one. */
function errorCode(v: unknown): string | undefined {
  return typeof v === "string" && /^[A-Za-z0-9_.:-]{1,64}$/.test(v) ? v : undefined;
}

/** Classifies an openid-client failure of the code exchange and ID token validation. */
function exchangeFailure(err: unknown): { reason: SignInFailure; upstreamError?: string } {
  const e = err as { name?: string; code?: string; error?: unknown; cause?: { message?: unknown } };
  const upstreamError = errorCode(e.error);
  if (upstreamError !== undefined || e.name === "ResponseBodyError") return { reason: "token_exchange_failed", ...(upstreamError !== undefined ? { upstreamError } : {}) };
  // openid-client reports a bad ID token signature as OAUTH_INVALID_RESPONSE, naming it in its cause.
  const signature = typeof e.cause?.message === "string" && e.cause.message.startsWith("JWT signature verification failed");
  if (signature || /JWT|JWS|JWK|ID_TOKEN|NONCE/i.test(e.code ?? "")) return { reason: "id_token_invalid" };
  return { reason: "response_invalid" };
}

function isLoopbackHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
}

/** The front's `sub` for an upstream user: HMAC-SHA256(key, issuer ␊ sub), base64url. */
export function frontSubject(key: string, upstreamIssuer: string, upstreamSub: string): string {
  return createHmac("sha256", key).update(`${upstreamIssuer}\n${upstreamSub}`).digest("base64url");
}

function stringsOf(v: unknown): string[] {
  if (typeof v === "string") return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/**
 * openid-client, loaded when a sign-in first needs it: the front's cold start (discovery, tokens,
 * the edge's introspection) never signs anyone in, and its Lambda bundle then need not run it.
 */
let openidClient: Promise<typeof import("./federation-client.js")> | undefined;
const loadOpenidClient = () => (openidClient ??= import("./federation-client.js"));

export function createFederation(options: { plan: McpAuthPlan; issuer: string; upstream: UpstreamConfig; store: FrontStore; subjectKey: string; now: () => number }): Federation {
  const { upstream, store } = options;
  const redirectUri = `${options.issuer}${FEDERATION_CALLBACK_PATH}`;
  const scopes = upstream.scopes ?? ["openid", "profile", "email"];
  if (!scopes.includes("openid")) throw new Error(`upstream.scopes must include "openid" (got ${scopes.join(" ")})`);
  const groupsClaim = upstream.groupsClaim ?? "groups";
  const pending = store.adapter(PENDING_MODEL);
  const accounts = store.adapter(ACCOUNT_MODEL);
  let config: Promise<oidc.Configuration> | undefined;

  /** Upstream discovery, once; retried on the next sign-in when it failed (the IdP was down). */
  function discovered(): Promise<oidc.Configuration> {
    config ??= loadOpenidClient()
      .then((oidc) =>
        oidc.discovery(
          new URL(upstream.issuer),
          upstream.clientId,
          { redirect_uris: [redirectUri] },
          upstream.clientSecret !== undefined ? oidc.ClientSecretBasic(upstream.clientSecret) : oidc.None(),
          // Plain http only for an upstream on loopback, or when the front itself is a plain-http
          // development server (the embedded dev IdP); an https front needs an https IdP.
          {
            execute: [
              ...(isLoopbackHttp(upstream.issuer) || (upstream.issuer.startsWith("http:") && options.issuer.startsWith("http:")) ? [oidc.allowInsecureRequests] : []),
              // The ID token's signature is checked against the IdP's published JWKS (fetched from its
              // discovery document's jwks_uri and cached), not only trusted because it came over TLS
              // from the token endpoint (which OpenID Connect Core §3.1.3.7 would allow).
              oidc.enableNonRepudiationChecks,
            ],
          },
        ),
      )
      .catch((err: Error) => {
        config = undefined;
        throw new FederationError(`the upstream IdP ${upstream.issuer} could not be discovered: ${err.message}`, undefined, "upstream_unavailable");
      });
    return config;
  }

  return {
    async start(purpose, uid) {
      const c = await discovered();
      const oidc = await loadOpenidClient();
      const state = oidc.randomState();
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      const record: PendingSignIn = { purpose, ...(uid ? { uid } : {}), verifier, nonce };
      await pending.upsert(state, record as never, PENDING_SECONDS);
      return oidc
        .buildAuthorizationUrl(c, {
          redirect_uri: redirectUri,
          scope: scopes.join(" "),
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: "S256",
          state,
          nonce,
        })
        .toString();
    },

    async finish(callbackUrl) {
      const state = callbackUrl.searchParams.get("state") ?? "";
      const found = state ? ((await pending.find(state)) as unknown as PendingSignIn | undefined) : undefined;
      if (!found) throw new FederationError("this sign-in is unknown or expired; start again from the client", undefined, "unknown_state");
      // One use only, atomically (the store's consume is a conditional write): a replay loses.
      try {
        await pending.consume(state);
      } catch {
        throw new FederationError("this sign-in was already used; start again from the client", undefined, "replayed_state");
      }
      await pending.destroy(state);
      const upstreamError = callbackUrl.searchParams.get("error");
      if (upstreamError) {
        const code = errorCode(upstreamError);
        throw new FederationError(`the identity provider refused the sign-in (${code ?? "malformed error code"})`, found.uid, "upstream_error", code);
      }
      let c: oidc.Configuration;
      const oidc = await loadOpenidClient();
      try {
        c = await discovered();
      } catch (err) {
        throw new FederationError((err as Error).message, found.uid, "upstream_unavailable");
      }
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(c, callbackUrl, { pkceCodeVerifier: found.verifier, expectedState: state, expectedNonce: found.nonce, idTokenExpected: true });
      } catch (err) {
        const { reason, upstreamError: code } = exchangeFailure(err);
        throw new FederationError(`the identity provider's answer was refused: ${(err as Error).message}`, found.uid, reason, code);
      }
      const claims = tokens.claims();
      if (!claims) throw new FederationError("the identity provider returned no ID token", found.uid, "no_id_token");
      let all: Record<string, unknown> = { ...claims };
      // Groups are often only in UserInfo (OpenID Connect Core §5.3).
      if (all[groupsClaim] === undefined && c.serverMetadata().userinfo_endpoint) {
        try {
          all = { ...(await oidc.fetchUserInfo(c, tokens.access_token, claims.sub)), ...all };
        } catch {
          /* the ID token's claims are all there is */
        }
      }
      const upstreamGroups = stringsOf(all[groupsClaim]);
      const email = typeof all["email"] === "string" ? all["email"] : "";
      const account: FrontAccount = {
        sub: frontSubject(options.subjectKey, String(claims.iss), claims.sub),
        upstreamIssuer: String(claims.iss),
        username: typeof all["preferred_username"] === "string" ? all["preferred_username"] : email || claims.sub,
        name: typeof all["name"] === "string" ? all["name"] : email || claims.sub,
        email,
        groups: planGroupsOf(options.plan, upstreamGroups),
        authTime: typeof claims.auth_time === "number" ? claims.auth_time : Math.floor(options.now() / 1000),
      };
      if (upstream.tenantClaim) {
        const tenant = all[upstream.tenantClaim];
        if (typeof tenant === "string") account.tenant = tenant;
      }
      await accounts.upsert(account.sub, account as never, ACCOUNT_SECONDS);
      return { account, purpose: found.purpose, ...(found.uid ? { uid: found.uid } : {}) };
    },

    async account(sub) {
      return (await accounts.find(sub)) as unknown as FrontAccount | undefined;
    },
  };
}
