import { nodeCrypto } from "./node.js";
import type { Principal } from "./authorize.js";

/**
 * Sessions bound to the principal that created them. MCP security best practices (2026-07-28):
 * servers "MUST NOT treat possession of a state handle as authentication" and SHOULD bind handles
 * to the user derived from the verified token (2025-11-25: "MCP Servers MUST NOT use sessions for
 * authentication"; session ids SHOULD be bound to user-specific information). The edge records
 * which principal's `initialize` got a given `Mcp-Session-Id` from the upstream (Streamable HTTP
 * 2025-03-26 … 2025-11-25, "Session Management") and answers 404 to any other principal.
 *
 * The table is per edge instance, in memory, bounded (least recently used entries go first) and
 * expires idle entries: a session created through another instance (another Lambda execution
 * environment) is unknown here and passes to the upstream, which still owns the session.
 *
 * Entries are keyed by a hash of the session id (what audit records carry). Hashing costs a good
 * part of a cached decision, so the hashes of recently seen ids are remembered in a small bounded
 * map (in memory only, like the upstream's own copy of the id).
 */

const { hash } = nodeCrypto;

/** What a session id hashes to in memory and in audit records: `sha256:` + 22 base64url characters (128 bits). */
export function sessionHash(id: string): string {
  return `sha256:${hash("sha256", id, "base64url").slice(0, 22)}`;
}

/** The principal a session is bound to: issuer, subject and client (one user of one client). */
export function principalKey(p: Principal): string {
  return `${p.issuer}\n${p.sub ?? ""}\n${p.clientId ?? ""}`;
}

/** Outcome of a session lookup. */
export type SessionCheck = "owner" | "foreign" | "unknown";

interface Entry {
  owner: string;
  lastSeenMs: number;
}

/** Remembered session-id hashes before the memo is cleared. */
const HASH_MEMO_MAX = 4096;

export class SessionTable {
  private readonly entries = new Map<string, Entry>();
  private readonly hashes = new Map<string, string>();
  /**
   * @param max entries kept (least recently used dropped first).
   * @param idleMs an entry unused this long is forgotten.
   */
  constructor(
    readonly max: number,
    readonly idleMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** `sessionHash(id)`, remembered for ids seen recently. */
  hashOf(id: string): string {
    let h = this.hashes.get(id);
    if (h === undefined) {
      if (this.hashes.size >= HASH_MEMO_MAX) this.hashes.clear();
      this.hashes.set(id, (h = sessionHash(id)));
    }
    return h;
  }

  /** Records that `owner` created the session (an `initialize` answered with this id). */
  bind(hashed: string, owner: string, nowMs: number): void {
    if (this.max <= 0) return;
    this.entries.delete(hashed);
    this.entries.set(hashed, { owner, lastSeenMs: nowMs });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Whether `owner` (computed only for a known session) may use it; refreshes its recency when it may. */
  check(hashed: string, owner: () => string, nowMs: number): SessionCheck {
    const e = this.entries.get(hashed);
    if (!e) return "unknown";
    if (nowMs - e.lastSeenMs > this.idleMs) {
      this.entries.delete(hashed);
      return "unknown";
    }
    if (e.owner !== owner()) return "foreign";
    e.lastSeenMs = nowMs;
    this.entries.delete(hashed);
    this.entries.set(hashed, e);
    return "owner";
  }

  /** Forgets a session (ended with DELETE, or unknown to the upstream). */
  drop(hashed: string): void {
    this.entries.delete(hashed);
  }
}
