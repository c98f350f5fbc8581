import type { Adapter } from "oidc-provider";

/**
 * Storage contract of the authorization front. One implementation runs on DynamoDB (AWS, and a
 * DynamoDB-compatible server locally and in CI); `memory.ts` is for unit tests only.
 *
 * oidc-provider's own models (Session, Interaction, Grant, AuthorizationCode, RefreshToken,
 * Client, …) go through {@link FrontStore.adapter}, which follows oidc-provider's adapter
 * contract. Everything the front adds (consent dates per scope, revocations the edge reads,
 * rate-limit counters, registration risk signals) has its own typed methods.
 *
 * Times are epoch seconds. Every method rejects (never resolves with a partial result) when the
 * database cannot be reached: the front fails closed.
 */
export interface FrontStore {
  /** oidc-provider adapter for one model name: `new Provider(issuer, { adapter: (name) => store.adapter(name) })`. */
  adapter(model: string): Adapter;

  /** Consent of one user for one client on one MCP server (resource). */
  getConsent(sub: string, clientId: string, resource: string): Promise<ConsentRecord | undefined>;
  /** Creates or replaces the record for (sub, clientId, resource). */
  putConsent(record: ConsentRecord): Promise<void>;
  /** Every consent a user holds (the user's grants page, `revoke --user`). */
  listConsentsBySub(sub: string): Promise<ConsentRecord[]>;
  /** Every consent given to a client (`revoke --client`). */
  listConsentsByClient(clientId: string): Promise<ConsentRecord[]>;
  /**
   * Every consent that lists the grant `grantId` (one per MCP server the grant covers;
   * `revoke --grant`). Found also once the grant itself has expired or was destroyed: the store keeps
   * the link from grant id to consent for as long as the consent lists the grant.
   */
  listConsentsByGrant(grantId: string): Promise<ConsentRecord[]>;
  deleteConsent(sub: string, clientId: string, resource: string): Promise<void>;

  /** Appends a revocation; the edge reads them with {@link FrontStore.listRevocations}. */
  addRevocation(record: RevocationRecord): Promise<void>;
  /** Revocations recorded at or after `since`, oldest first. */
  listRevocations(since: number): Promise<RevocationRecord[]>;

  /**
   * Atomically adds 1 to the counter `key` in the fixed window that contains `now` and returns
   * the new count (rate limits: DCR per source, sign-in failures).
   */
  incrementCounter(key: string, windowSeconds: number, now: number): Promise<number>;

  /** Appends one registration risk record (RFC 7591 DCR and CIMD first use). */
  recordRegistration(record: RegistrationRecord): Promise<void>;

  close(): Promise<void>;
}

export interface ConsentRecord {
  /** The front's `sub` for the user (stable per upstream user). */
  sub: string;
  clientId: string;
  /** Canonical resource URI of the MCP server (RFC 8707). */
  resource: string;
  /** Consented scope → epoch seconds of the consent (re-consent cadence is measured from it). */
  scopes: Record<string, number>;
  /** oidc-provider grant ids issued under this consent (revoked with it). */
  grantIds: string[];
  updatedAt: number;
}

export interface RevocationRecord {
  /** What is revoked: every token of a user, of a client, or of one grant. */
  kind: "user" | "client" | "grant";
  /** The `sub`, `client_id` or grant id. */
  id: string;
  /** Tokens issued at or before this time (epoch seconds) are no longer valid. */
  at: number;
  /** Who revoked: `user`, `admin` or `client` (RFC 7009). */
  by: "user" | "admin" | "client";
  /** When the record may be dropped: after the longest token it can concern has expired. */
  expiresAt: number;
}

export interface RegistrationRecord {
  clientId: string;
  /** `dcr` or `cimd`. */
  via: "dcr" | "cimd";
  at: number;
  sourceIp: string;
  softwareId?: string;
  redirectHosts: string[];
  /** Whether the registration was accepted, and why not. */
  accepted: boolean;
  reason?: string;
}
