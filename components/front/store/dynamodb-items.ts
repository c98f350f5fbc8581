import type { AttributeValue, QueryInput, WriteRequest } from "@aws-sdk/client-dynamodb";
import type { DynamoApi } from "./dynamo-api.js";
import { FRONT_TABLE } from "./table-schema.js";

/** Small helpers over the low-level DynamoDB API shared by the front's store and its adapter. */

export type Item = Record<string, AttributeValue>;

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });

export function str(item: Item | undefined, name: string): string | undefined {
  const v = item?.[name];
  return v && "S" in v ? v.S : undefined;
}

export function num(item: Item | undefined, name: string): number | undefined {
  const v = item?.[name];
  return v && "N" in v && v.N !== undefined ? Number(v.N) : undefined;
}

/** Whether an item is past its `expiresAt` (DynamoDB's TTL deletes lazily, up to days later). */
export function expired(item: Item, nowSeconds: number): boolean {
  const at = num(item, "expiresAt");
  return at !== undefined && at <= nowSeconds;
}

/** Every item of a query, following `LastEvaluatedKey`. */
export async function queryAll(client: DynamoApi, input: QueryInput): Promise<Item[]> {
  const out: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.call("Query", { ...input, ...(start ? { ExclusiveStartKey: start } : {}) });
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Deletes keys in batches of 25 (the API limit), retrying unprocessed ones with a short backoff. */
export async function deleteKeys(client: DynamoApi, tableName: string, keys: Item[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 25) {
    let pending: WriteRequest[] = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 8) throw new Error(`DynamoDB kept ${pending.length} deletes unprocessed in table '${tableName}'; retry the revocation`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const res = await client.call("BatchWriteItem", { RequestItems: { [tableName]: pending } });
      pending = res.UnprocessedItems?.[tableName] ?? [];
    }
  }
}

/**
 * Writes items with BatchWriteItem (25 per call, the API limit), retrying unprocessed ones with a
 * short backoff; resolves only once every item is written.
 */
export async function putItems(client: DynamoApi, tableName: string, items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let pending: WriteRequest[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 8) throw new Error(`DynamoDB kept ${pending.length} writes unprocessed in table '${tableName}'`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const res = await client.call("BatchWriteItem", { RequestItems: { [tableName]: pending } });
      pending = res.UnprocessedItems?.[tableName] ?? [];
    }
  }
}

/** Reads one item by key, strongly consistent; undefined when absent. */
export type ItemReader = (key: Item) => Promise<Item | undefined>;

/**
 * Strongly consistent reads of single items that are batched: the reads asked for in the same
 * turn of the event loop (a refresh asks for its grant, account and consent together) go to
 * DynamoDB as one BatchGetItem (up to 100 keys, unprocessed keys retried), a lone read as GetItem.
 * Each caller gets its own item or undefined; a failure rejects every read of the batch.
 */
export function createItemReader(client: DynamoApi, tableName: string): ItemReader {
  let pending: Map<string, { key: Item; waiters: { resolve(item: Item | undefined): void; reject(err: unknown): void }[] }> | undefined;
  const id = (k: Item) => `${str(k, "pk")}\u0000${str(k, "sk")}`;

  async function flush(batch: NonNullable<typeof pending>): Promise<void> {
    const entries = [...batch.values()];
    try {
      if (entries.length === 1) {
        const res = await client.call("GetItem", { TableName: tableName, Key: entries[0]!.key, ConsistentRead: true });
        for (const w of entries[0]!.waiters) w.resolve(res.Item);
        return;
      }
      const found = new Map<string, Item>();
      for (let i = 0; i < entries.length; i += 100) {
        let keys = entries.slice(i, i + 100).map((e) => e.key);
        for (let attempt = 0; keys.length > 0; attempt++) {
          if (attempt === 8) throw new Error(`DynamoDB kept ${keys.length} reads unprocessed in table '${tableName}'`);
          if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
          const res = await client.call("BatchGetItem", { RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } });
          for (const item of res.Responses?.[tableName] ?? []) found.set(id(item), item);
          keys = (res.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
        }
      }
      for (const [k, e] of batch) for (const w of e.waiters) w.resolve(found.get(k));
    } catch (err) {
      for (const e of entries) for (const w of e.waiters) w.reject(err);
    }
  }

  return (key) =>
    new Promise<Item | undefined>((resolve, reject) => {
      if (!pending) {
        const batch = new Map() as NonNullable<typeof pending>;
        pending = batch;
        queueMicrotask(() => {
          pending = undefined;
          void flush(batch);
        });
      }
      const k = id(key);
      const entry = pending.get(k);
      if (entry) entry.waiters.push({ resolve, reject });
      else pending.set(k, { key, waiters: [{ resolve, reject }] });
    });
}

/**
 * DynamoDB's size limits (Developer Guide, "Quotas in Amazon DynamoDB"): a partition key value of at
 * most 2048 bytes, a sort key value of at most 1024 bytes (for the table and for an index), an item
 * of at most 400 KB counting attribute names and values (UTF-8).
 */
export const DYNAMO_LIMITS = { partitionKeyBytes: 2048, sortKeyBytes: 1024, itemBytes: 400 * 1024 } as const;

const utf8Bytes = (s: string): number => Buffer.byteLength(s, "utf8");

/**
 * Throws, naming `what`, when an item would break one of {@link DYNAMO_LIMITS}: checked before a
 * write of several items, so that none is written when one of them would be refused. Counts string
 * and number attributes, the only kinds the front writes.
 */
export function checkItemLimits(item: Item, what: string): void {
  const over = (name: string, max: number) => {
    const v = str(item, name);
    if (v !== undefined && utf8Bytes(v) > max) throw new Error(`front store: ${what}: key attribute '${name}' is ${utf8Bytes(v)} bytes, above DynamoDB's ${max}-byte limit`);
  };
  for (const k of [FRONT_TABLE.partitionKey, FRONT_TABLE.gsi1.partitionKey]) over(k, DYNAMO_LIMITS.partitionKeyBytes);
  for (const k of [FRONT_TABLE.sortKey, FRONT_TABLE.gsi1.sortKey]) over(k, DYNAMO_LIMITS.sortKeyBytes);
  let size = 0;
  for (const [name, v] of Object.entries(item)) size += utf8Bytes(name) + ("S" in v && v.S !== undefined ? utf8Bytes(v.S) : "N" in v && v.N !== undefined ? utf8Bytes(v.N) : 0);
  if (size > DYNAMO_LIMITS.itemBytes) throw new Error(`front store: ${what}: the item is ${size} bytes, above DynamoDB's ${DYNAMO_LIMITS.itemBytes}-byte item limit`);
}

export function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === "ConditionalCheckFailedException";
}
