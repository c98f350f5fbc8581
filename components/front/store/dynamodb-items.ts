import { BatchWriteItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput, type WriteRequest } from "@aws-sdk/client-dynamodb";

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
export async function queryAll(client: DynamoDBClient, input: QueryCommandInput): Promise<Item[]> {
  const out: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Deletes keys in batches of 25 (the API limit), retrying unprocessed ones with a short backoff. */
export async function deleteKeys(client: DynamoDBClient, tableName: string, keys: Item[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 25) {
    let pending: WriteRequest[] = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 8) throw new Error(`DynamoDB kept ${pending.length} deletes unprocessed in table '${tableName}'; retry the revocation`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const res = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = res.UnprocessedItems?.[tableName] ?? [];
    }
  }
}

/**
 * Writes items with BatchWriteItem (25 per call, the API limit), retrying unprocessed ones with a
 * short backoff; resolves only once every item is written.
 */
export async function putItems(client: DynamoDBClient, tableName: string, items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let pending: WriteRequest[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 8) throw new Error(`DynamoDB kept ${pending.length} writes unprocessed in table '${tableName}'`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const res = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = res.UnprocessedItems?.[tableName] ?? [];
    }
  }
}

export function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === "ConditionalCheckFailedException";
}
