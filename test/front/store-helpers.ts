import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { randomUUID } from "node:crypto";
import { createDynamoStore, createFrontTable } from "../../components/front/store/dynamodb.js";
import { localDynamoClientConfig, startLocalDynamo, type LocalDynamo } from "../../components/front/store/local-dynamo.js";
import type { FrontStore } from "../../components/front/store/types.js";

/** dynalite in this process, one fresh table per call of `table()`. */
export interface DynamoFixture {
  local: LocalDynamo;
  client: DynamoDBClient;
  table(now?: () => number): Promise<{ store: FrontStore; tableName: string; scanKeys(): Promise<string[]> }>;
  close(): Promise<void>;
}

export async function dynamoFixture(): Promise<DynamoFixture> {
  const local = await startLocalDynamo();
  const client = new DynamoDBClient(localDynamoClientConfig(local.endpoint));
  return {
    local,
    client,
    async table(now) {
      const tableName = `front-${randomUUID().slice(0, 8)}`;
      await createFrontTable(client, tableName);
      const store = createDynamoStore({ client, tableName, ...(now ? { now } : {}) });
      return {
        store,
        tableName,
        async scanKeys() {
          const res = await client.send(new ScanCommand({ TableName: tableName }));
          return (res.Items ?? []).map((i) => `${i["pk"]?.S}|${i["sk"]?.S}`).sort();
        },
      };
    },
    async close() {
      client.destroy();
      await local.close();
    },
  };
}
