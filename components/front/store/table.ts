import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

export { FRONT_TABLE } from "./table-schema.js";
import { FRONT_TABLE } from "./table-schema.js";

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
