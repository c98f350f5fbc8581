import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * The front's single DynamoDB table: one key schema shared by `createFrontTable` (local server,
 * tests) and the `McpAuthFront` Pulumi component (AWS), so both homes store the same items.
 *
 * - `pk` / `sk`: partition and sort key of every item (see `keys.ts` for the item families).
 * - `gsi1pk` / `gsi1sk`: one global secondary index (consents by client).
 * - `expiresAt`: epoch seconds; DynamoDB's time to live deletes expired items (lazily, so every
 *   read also checks it).
 */
export const FRONT_TABLE = {
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
  gsi1: { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
} as const;

/** Creates the front's table (on-demand capacity, TTL on) and waits until it is active. */
export async function createFrontTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const t = FRONT_TABLE;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: t.partitionKey, AttributeType: "S" },
        { AttributeName: t.sortKey, AttributeType: "S" },
        { AttributeName: t.gsi1.partitionKey, AttributeType: "S" },
        { AttributeName: t.gsi1.sortKey, AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: t.partitionKey, KeyType: "HASH" },
        { AttributeName: t.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: t.gsi1.name,
          KeySchema: [
            { AttributeName: t.gsi1.partitionKey, KeyType: "HASH" },
            { AttributeName: t.gsi1.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    }),
  );
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (d.Table?.TableStatus === "ACTIVE") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: t.ttlAttribute, Enabled: true } }));
  } catch (err) {
    // DynamoDB-compatible servers without TTL support (dynalite) answer UnknownOperation; reads
    // check `expiresAt` themselves, so expiry holds either way.
    if (!/UnknownOperation|not supported|Unknown operation/i.test(String((err as Error).name) + String((err as Error).message))) throw err;
  }
}
