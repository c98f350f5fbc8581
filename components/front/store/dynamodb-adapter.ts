import type { Adapter, AdapterPayload } from "oidc-provider";
import { errors } from "oidc-provider";
import type { DynamoApi } from "./dynamo-api.js";
import { deleteKeys, expired, isConditionFailure, N, num, putItems, queryAll, S, str, type Item, type ItemReader } from "./dynamodb-items.js";

/**
 * oidc-provider's adapter contract (its `example/my_adapter.js`) on the front's DynamoDB table.
 *
 * Items (all with sort key `_` unless stated):
 * - `oidc#<Model>#<id>`: the payload as JSON in `data`, `consumed` (epoch seconds) once consumed,
 *   `expiresAt` for DynamoDB's TTL;
 * - `oidcuid#<Model>#<uid>` → `ref` = session id (findByUid), `oidcusercode#<Model>#<code>` → `ref`
 *   (findByUserCode);
 * - `oidcgrant#<grantId>` with sort key `<Model>#<id>`: one member per token of a grant
 *   (revokeByGrantId is one strongly consistent query).
 *
 * DynamoDB-compatible servers have no multi-item transactions everywhere (dynalite has none). A
 * token and its grant member and lookup pointers are written in one BatchWriteItem (one round
 * trip), and `upsert` resolves only once all of them are written (unprocessed items are retried):
 * a token oidc-provider hands out is always found by revokeByGrantId. When the write fails,
 * `upsert` rejects and the request fails, so a token written without its member never reaches a
 * client (its value is random and was never sent); a pointer left without its token resolves to
 * nothing.
 */

/** Models whose tokens belong to a grant (oidc-provider's memory adapter uses the same list). */
const GRANTABLE = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest", "PreAuthorizedCode"]);

export interface DynamoAdapterContext {
  client: DynamoApi;
  tableName: string;
  /** Strongly consistent single-item reads (batched with the reads asked for at the same time). */
  read: ItemReader;
  /** Epoch seconds. */
  nowSeconds: () => number;
}

const key = (pk: string, sk = "_"): Item => ({ pk: S(pk), sk: S(sk) });

export class DynamoAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly ctx: DynamoAdapterContext,
  ) {}

  private itemPk(id: string): string {
    return `oidc#${this.model}#${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const { client, tableName } = this.ctx;
    const expiresAt = typeof expiresIn === "number" ? this.ctx.nowSeconds() + expiresIn : undefined;
    const ttl: Item = expiresAt !== undefined ? { expiresAt: N(expiresAt) } : {};
    const pointers: Item[] = [];
    if (GRANTABLE.has(this.model) && typeof payload.grantId === "string") {
      pointers.push({ ...key(`oidcgrant#${payload.grantId}`, `${this.model}#${id}`), ...ttl });
    }
    if (this.model === "Session" && typeof payload.uid === "string") {
      pointers.push({ ...key(`oidcuid#${this.model}#${payload.uid}`), ref: S(id), ...ttl });
    }
    if (typeof payload.userCode === "string") {
      pointers.push({ ...key(`oidcusercode#${this.model}#${payload.userCode}`), ref: S(id), ...ttl });
    }
    const item: Item = { ...key(this.itemPk(id)), data: S(JSON.stringify(payload)), ...ttl };
    if (typeof payload.grantId === "string") item["grantId"] = S(payload.grantId);
    if (typeof payload.uid === "string") item["uid"] = S(payload.uid);
    if (typeof payload.userCode === "string") item["userCode"] = S(payload.userCode);
    if (pointers.length === 0) await client.call("PutItem", { TableName: tableName, Item: item });
    else await putItems(client, tableName, [...pointers, item]);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const item = await this.ctx.read(key(this.itemPk(id)));
    if (!item || expired(item, this.ctx.nowSeconds())) return undefined;
    const data = str(item, "data");
    if (data === undefined) return undefined;
    const payload = JSON.parse(data) as AdapterPayload;
    const consumed = num(item, "consumed");
    return consumed !== undefined ? { ...payload, consumed } : payload;
  }

  private async findByPointer(pk: string): Promise<AdapterPayload | undefined> {
    const pointer = await this.ctx.read(key(pk));
    const ref = str(pointer, "ref");
    if (!pointer || ref === undefined || expired(pointer, this.ctx.nowSeconds())) return undefined;
    return this.find(ref);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findByPointer(`oidcuid#${this.model}#${uid}`);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findByPointer(`oidcusercode#${this.model}#${userCode}`);
  }

  /**
   * Marks the item consumed with a conditional write: of two concurrent consumers (two refreshes
   * with one rotating refresh token, two exchanges of one authorization code) exactly one
   * succeeds; the other gets `invalid_grant` (RFC 6749 §5.2; OAuth 2.1 §4.3.1 refresh token
   * rotation), never a server error.
   */
  async consume(id: string): Promise<void> {
    const now = this.ctx.nowSeconds();
    try {
      await this.ctx.client.call("UpdateItem", {
        TableName: this.ctx.tableName,
        Key: key(this.itemPk(id)),
        UpdateExpression: "SET #c = :now",
        ConditionExpression: "attribute_exists(#pk) AND attribute_not_exists(#c) AND (attribute_not_exists(#e) OR #e > :now)",
        ExpressionAttributeNames: { "#pk": "pk", "#c": "consumed", "#e": "expiresAt" },
        ExpressionAttributeValues: { ":now": N(now) },
      });
    } catch (err) {
      if (isConditionFailure(err)) throw new errors.InvalidGrant(`${this.model === "AuthorizationCode" ? "authorization code" : "grant"} already used`);
      throw err;
    }
  }

  async destroy(id: string): Promise<void> {
    const { client, tableName } = this.ctx;
    const res = await client.call("DeleteItem", { TableName: tableName, Key: key(this.itemPk(id)), ReturnValues: "ALL_OLD" });
    const old = res.Attributes;
    if (!old) return;
    const grantId = str(old, "grantId");
    const uid = str(old, "uid");
    const userCode = str(old, "userCode");
    const cleanup: Promise<unknown>[] = [];
    if (grantId !== undefined && GRANTABLE.has(this.model)) cleanup.push(client.call("DeleteItem", { TableName: tableName, Key: key(`oidcgrant#${grantId}`, `${this.model}#${id}`) }));
    if (uid !== undefined && this.model === "Session") cleanup.push(this.deletePointer(`oidcuid#${this.model}#${uid}`, id));
    if (userCode !== undefined) cleanup.push(this.deletePointer(`oidcusercode#${this.model}#${userCode}`, id));
    await Promise.all(cleanup);
  }

  /** Deletes a lookup pointer only while it still points at `id` (a newer item may own it). */
  private async deletePointer(pk: string, id: string): Promise<void> {
    try {
      await this.ctx.client.call("DeleteItem", { TableName: this.ctx.tableName, Key: key(pk), ConditionExpression: "#ref = :id", ExpressionAttributeNames: { "#ref": "ref" }, ExpressionAttributeValues: { ":id": S(id) } });
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** Destroys every token of this model issued under `grantId` (oidc-provider calls it per model). */
  async revokeByGrantId(grantId: string): Promise<void> {
    const { client, tableName } = this.ctx;
    const members = await queryAll(client, {
      TableName: tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :model)",
      ExpressionAttributeValues: { ":pk": S(`oidcgrant#${grantId}`), ":model": S(`${this.model}#`) },
      ConsistentRead: true,
      ProjectionExpression: "pk, sk",
    });
    const keys: Item[] = [];
    for (const m of members) {
      const sk = str(m, "sk") ?? "";
      keys.push(key(this.itemPk(sk.slice(this.model.length + 1))), key(`oidcgrant#${grantId}`, sk));
    }
    await deleteKeys(client, tableName, keys);
  }
}
