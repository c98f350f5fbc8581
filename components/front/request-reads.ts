import Provider from "oidc-provider";
import type { AdapterPayload } from "oidc-provider";
import type { FrontAccount } from "./federation.js";
import type { ConsentRecord, FrontStore, RevocationRecord } from "./store/types.js";

/**
 * Store reads scoped to one oidc-provider request (its Koa context, which oidc-provider keeps in
 * an AsyncLocalStorage: `Provider.ctx`), so one request never reads the same item twice and the
 * reads a refresh needs run together instead of one after the other.
 *
 * A refresh (`grant_type=refresh_token`) reads, in oidc-provider's order: the refresh token, its
 * grant, the account, then (our configuration) the revocation records and the consent record, the
 * latter twice (scope filtering, then the `consent_time` claim). Here the revocation query starts
 * with the refresh token read, and as soon as the token is known its grant, account and consent
 * are asked for together (the DynamoDB store sends them as one BatchGetItem); the sequence becomes
 * token ∥ revocations → grant + account + consent → consume (conditional write) → new token and
 * its grant member (one BatchWriteItem): 5 calls, was 9 one after the other. Nothing is cached across requests: every request reads
 * the current records (a revocation written before the request started is always seen), and a
 * prefetched grant or account is handed out once (a second read in the same request reads again).
 */

/** How far back revocation records are read (the longest refresh token lifetime the rules allow). */
export const REVOCATION_LOOKBACK_SECONDS = 90 * 86_400;

export interface RequestReads {
  /** The consent record, read once per request. */
  consent(sub: string, clientId: string, resource: string): Promise<ConsentRecord | undefined>;
  /** Revocation records of the last {@link REVOCATION_LOOKBACK_SECONDS}, read once per request. */
  revocations(): Promise<RevocationRecord[]>;
  /** The account, prefetched by a refresh (handed out once), else read. */
  account(sub: string): Promise<FrontAccount | undefined>;
  /** A grant payload prefetched by a refresh (handed out once), else undefined (read it yourself). */
  takeGrant(id: string): Promise<AdapterPayload | undefined> | undefined;
  /** Called by the refresh token adapter: starts the reads that do not depend on the token. */
  refreshTokenLookup(): void;
  /** Called by the refresh token adapter with the token found: starts the reads that depend on it. */
  refreshTokenFound(payload: AdapterPayload): void;
}

interface Scope {
  once: Map<string, Promise<unknown>>;
  taken: Map<string, Promise<unknown>>;
}

export function createRequestReads(input: { store: FrontStore; findAccount(sub: string): Promise<FrontAccount | undefined>; now: () => number }): RequestReads {
  const scopes = new WeakMap<object, Scope>();
  const scope = (): Scope | undefined => {
    const ctx = Provider.ctx as object | undefined;
    if (!ctx) return undefined;
    let s = scopes.get(ctx);
    if (!s) scopes.set(ctx, (s = { once: new Map(), taken: new Map() }));
    return s;
  };
  /** Starts `load` once per request under `key`. A rejected read is not kept (the caller sees the rejection). */
  function once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const s = scope();
    if (!s) return load();
    let p = s.once.get(key) as Promise<T> | undefined;
    if (!p) {
      p = load();
      s.once.set(key, p);
      p.catch(() => s.once.delete(key));
    }
    return p;
  }
  /** Starts a read whose result the next `take(key)` hands out. */
  function prefetch(s: Scope, key: string, load: () => Promise<unknown>): void {
    if (s.taken.has(key)) return;
    const p = load();
    p.catch(() => undefined); // observed by whoever takes it
    s.taken.set(key, p);
  }
  function take<T>(key: string): Promise<T> | undefined {
    const s = scope();
    const p = s?.taken.get(key) as Promise<T> | undefined;
    if (p) s!.taken.delete(key);
    return p;
  }
  const consentKey = (sub: string, clientId: string, resource: string) => `consent\n${sub}\n${clientId}\n${resource}`;
  const nowSec = () => Math.floor(input.now() / 1000);

  const reads: RequestReads = {
    consent: (sub, clientId, resource) => once(consentKey(sub, clientId, resource), () => input.store.getConsent(sub, clientId, resource)),
    revocations: () => once("revocations", () => input.store.listRevocations(nowSec() - REVOCATION_LOOKBACK_SECONDS)),
    account: (sub) => take<FrontAccount | undefined>(`account\n${sub}`) ?? input.findAccount(sub),
    takeGrant: (id) => take<AdapterPayload | undefined>(`grant\n${id}`),
    refreshTokenLookup() {
      if (!isRefreshGrant()) return;
      void reads.revocations().catch(() => undefined);
    },
    refreshTokenFound(payload) {
      const s = scope();
      if (!s || !isRefreshGrant()) return;
      const { grantId, accountId, clientId, resource } = payload as { grantId?: unknown; accountId?: unknown; clientId?: unknown; resource?: unknown };
      if (typeof grantId === "string") prefetch(s, `grant\n${grantId}`, () => input.store.adapter("Grant").find(grantId));
      if (typeof accountId === "string") prefetch(s, `account\n${accountId}`, () => input.findAccount(accountId));
      if (typeof accountId === "string" && typeof clientId === "string" && typeof resource === "string") void reads.consent(accountId, clientId, resource).catch(() => undefined);
    },
  };
  return reads;
}

function isRefreshGrant(): boolean {
  const ctx = Provider.ctx as { oidc?: { route?: string; params?: Record<string, unknown> } } | undefined;
  return ctx?.oidc?.route === "token" && ctx.oidc.params?.["grant_type"] === "refresh_token";
}
