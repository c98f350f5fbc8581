import { errors } from "oidc-provider";
import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../../components/front/store/memory.js";

/**
 * The in-memory store's `consume` keeps the DynamoDB store's contract (store/dynamodb-adapter.ts):
 * one use only, and a consume that loses (already consumed, or the entry is gone: destroyed by the
 * winner or expired) is refused with invalid_grant (RFC 6749 §5.2), never a silent success nor a
 * server error. The front's federated sign-in relies on it to refuse a replayed callback
 * (`replayed_state`), oidc-provider on it for codes and rotating refresh tokens.
 */
describe("the in-memory store's consume", () => {
  it("refuses a second consume with invalid_grant", async () => {
    const codes = createMemoryStore().adapter("AuthorizationCode");
    await codes.upsert("c1", { kind: "AuthorizationCode", jti: "c1" } as never, 60);
    await codes.consume("c1");
    await expect(codes.consume("c1")).rejects.toBeInstanceOf(errors.InvalidGrant);
  });

  it("refuses to consume an entry the winner already destroyed, or one past its expiry", async () => {
    let now = 1_800_000_000_000;
    const store = createMemoryStore({ now: () => now });
    const pending = store.adapter("FederatedSignIn");
    await pending.upsert("state-1", { purpose: "interaction" } as never, 600);
    expect(await pending.find("state-1")).toBeDefined();
    // The winner consumes and destroys it between the loser's find and consume.
    await pending.consume("state-1");
    await pending.destroy("state-1");
    await expect(pending.consume("state-1")).rejects.toMatchObject({ error: "invalid_grant" });

    const codes = store.adapter("AuthorizationCode");
    await codes.upsert("c2", { kind: "AuthorizationCode", jti: "c2" } as never, 60);
    now += 60_000;
    await expect(codes.consume("c2")).rejects.toMatchObject({ error: "invalid_grant" });
  });
});
