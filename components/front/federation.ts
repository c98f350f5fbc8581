import { createHmac } from "node:crypto";
import * as oidc from "openid-client";
import type { McpAuthPlan } from "../plan/schema.js";
import { planGroupsOf, type FrontUser } from "./policy.js";
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

/** Path of the front's callback registered at the upstream IdP. */
export const FEDERATION_CALLBACK_PATH = "/federation/callback";
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

export class FederationError extends Error {
  override readonly name = "FederationError";
  constructor(
    message: string,
    /** The interaction to fail, when the callback could be tied to one. */
    readonly uid?: string,
  ) {
    super(message);
  }
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
    config ??= oidc
      .discovery(
        new URL(upstream.issuer),
        upstream.clientId,
        { redirect_uris: [redirectUri] },
        upstream.clientSecret !== undefined ? oidc.ClientSecretBasic(upstream.clientSecret) : oidc.None(),
        // Plain http only for an upstream on loopback (the embedded dev IdP).
        isLoopbackHttp(upstream.issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: Error) => {
        config = undefined;
        throw new FederationError(`the upstream IdP ${upstream.issuer} could not be discovered: ${err.message}`);
      });
    return config;
  }

  return {
    async start(purpose, uid) {
      const c = await discovered();
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
      if (!found) throw new FederationError("this sign-in is unknown or expired; start again from the client");
      // One use only, atomically (the store's consume is a conditional write): a replay loses.
      try {
        await pending.consume(state);
      } catch {
        throw new FederationError("this sign-in was already used; start again from the client");
      }
      await pending.destroy(state);
      const upstreamError = callbackUrl.searchParams.get("error");
      if (upstreamError) throw new FederationError(`the identity provider refused the sign-in (${upstreamError})`, found.uid);
      const c = await discovered();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(c, callbackUrl, { pkceCodeVerifier: found.verifier, expectedState: state, expectedNonce: found.nonce, idTokenExpected: true });
      } catch (err) {
        throw new FederationError(`the identity provider's answer was refused: ${(err as Error).message}`, found.uid);
      }
      const claims = tokens.claims();
      if (!claims) throw new FederationError("the identity provider returned no ID token", found.uid);
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
