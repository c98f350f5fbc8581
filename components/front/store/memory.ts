import { errors, type Adapter, type AdapterPayload } from "oidc-provider";
import type { ConsentRecord, FrontStore, RegistrationRecord, RevocationRecord } from "./types.js";

/**
 * An in-memory {@link FrontStore} for unit tests and the throwaway loopback stack. State is lost
 * on restart and is not shared between processes: never use it where the front runs on more than
 * one instance (the AWS home uses the DynamoDB store).
 */

interface Entry {
  payload: AdapterPayload;
  /** Epoch ms after which the entry is gone; undefined = no expiry. */
  expiresAt: number | undefined;
}

/** The adapter of one oidc-provider model (semantics of oidc-provider's own MemoryAdapter). */
class MemoryAdapter implements Adapter {
  constructor(
    private readonly name: string,
    private readonly entries: Map<string, Entry>,
    private readonly now: () => number,
  ) {}

  private key(id: string): string {
    return `${this.name}:${id}`;
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt !== undefined && e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const expiresAt = expiresIn ? this.now() + expiresIn * 1000 : undefined;
    this.entries.set(this.key(id), { payload: structuredClone(payload), expiresAt });
    if (payload.grantId) this.entries.set(`grant:${payload.grantId}:${this.key(id)}`, { payload: { id: this.key(id) } as AdapterPayload, expiresAt });
    if (payload.uid) this.entries.set(`uid:${this.name}:${payload.uid}`, { payload: { id } as AdapterPayload, expiresAt });
    if (payload.userCode) this.entries.set(`userCode:${this.name}:${payload.userCode}`, { payload: { id } as AdapterPayload, expiresAt });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const e = this.live(this.key(id));
    return e ? structuredClone(e.payload) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const ref = this.live(`uid:${this.name}:${uid}`);
    return ref ? this.find(String(ref.payload["id"])) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const ref = this.live(`userCode:${this.name}:${userCode}`);
    return ref ? this.find(String(ref.payload["id"])) : undefined;
  }

  /**
   * Marks the entry consumed; resolves only for the first caller (a replay cannot win). As the
   * DynamoDB store's conditional write: an entry already consumed, destroyed or expired is refused
   * with invalid_grant (RFC 6749 §5.2).
   */
  async consume(id: string): Promise<void> {
    const e = this.live(this.key(id));
    if (!e) throw new errors.InvalidGrant(`${this.name} ${id} is gone (used or expired)`);
    if (e.payload.consumed) throw new errors.InvalidGrant(`${this.name} ${id} was already consumed`);
    e.payload.consumed = Math.floor(this.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.entries.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const prefix = `grant:${grantId}:`;
    for (const k of [...this.entries.keys()]) {
      if (!k.startsWith(prefix)) continue;
      this.entries.delete(k.slice(prefix.length));
      this.entries.delete(k);
    }
  }
}

/** Creates an empty in-memory store. @param now clock in ms (tests pass a fake one). */
export function createMemoryStore(options: { now?: () => number } = {}): FrontStore {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const adapters = new Map<string, MemoryAdapter>();
  const consents = new Map<string, ConsentRecord>();
  const revocations: RevocationRecord[] = [];
  const counters = new Map<string, number>();
  const registrations: RegistrationRecord[] = [];
  const ck = (sub: string, clientId: string, resource: string) => JSON.stringify([sub, clientId, resource]);
  let closed = false;
  const open = () => {
    if (closed) throw new Error("the front store is closed");
  };

  return {
    adapter(model) {
      let a = adapters.get(model);
      if (!a) adapters.set(model, (a = new MemoryAdapter(model, entries, now)));
      return a;
    },
    async getConsent(sub, clientId, resource) {
      open();
      const c = consents.get(ck(sub, clientId, resource));
      return c ? structuredClone(c) : undefined;
    },
    async putConsent(record) {
      open();
      consents.set(ck(record.sub, record.clientId, record.resource), structuredClone(record));
    },
    async listConsentsBySub(sub) {
      open();
      return [...consents.values()].filter((c) => c.sub === sub).map((c) => structuredClone(c));
    },
    async listConsentsByClient(clientId) {
      open();
      return [...consents.values()].filter((c) => c.clientId === clientId).map((c) => structuredClone(c));
    },
    async listConsentsByGrant(grantId) {
      open();
      if (!grantId) throw new Error("listConsentsByGrant: grantId must be a non-empty string");
      return [...consents.values()].filter((c) => c.grantIds.includes(grantId)).map((c) => structuredClone(c));
    },
    async deleteConsent(sub, clientId, resource) {
      open();
      consents.delete(ck(sub, clientId, resource));
    },
    async addRevocation(record) {
      open();
      revocations.push({ ...record });
    },
    async listRevocations(since) {
      open();
      const nowSec = Math.floor(now() / 1000);
      return revocations.filter((r) => r.at >= since && r.expiresAt > nowSec).sort((a, b) => a.at - b.at).map((r) => ({ ...r }));
    },
    async incrementCounter(key, windowSeconds, at) {
      open();
      const window = Math.floor(at / windowSeconds);
      const k = `${key}@${window}`;
      const n = (counters.get(k) ?? 0) + 1;
      counters.set(k, n);
      return n;
    },
    async recordRegistration(record) {
      open();
      registrations.push({ ...record, redirectHosts: [...record.redirectHosts] });
    },
    async close() {
      closed = true;
    },
  };
}
