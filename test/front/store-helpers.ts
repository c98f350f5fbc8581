import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { randomUUID } from "node:crypto";
import { createDynamoHttpClient, type DynamoHttpClient } from "../../components/front/aws/dynamo-client.js";
import type { DynamoApi, DynamoOperation } from "../../components/front/store/dynamo-api.js";
import { createDynamoStore, createFrontTable } from "../../components/front/store/dynamodb.js";
import { localDynamoClientConfig, startLocalDynamo, type LocalDynamo } from "../../components/front/store/local-dynamo.js";
import type { FrontStore } from "../../components/front/store/types.js";

/**
 * dynalite in this process, one fresh table per call of `table()`. The store runs on the front's
 * own DynamoDB client (`components/front/aws/dynamo-client.ts`, what its Lambda uses); the AWS SDK
 * client creates the tables and scans them (and is there for tests comparing both clients).
 */
export interface DynamoFixture {
  local: LocalDynamo;
  /** The front's own client (SigV4 over node:http), every call reported to `onCall` listeners. */
  client: DynamoApi;
  /** The unobserved own client. */
  http: DynamoHttpClient;
  /** An AWS SDK client on the same dynalite. */
  sdk: DynamoDBClient;
  /** Reports the operation name of each call the store makes through `client`. */
  onCall(listener: (operation: DynamoOperation) => void): void;
  table(now?: () => number): Promise<{ store: FrontStore; tableName: string; scanKeys(): Promise<string[]> }>;
  close(): Promise<void>;
}

export async function dynamoFixture(): Promise<DynamoFixture> {
  const local = await startLocalDynamo();
  const config = localDynamoClientConfig(local.endpoint);
  const sdk = new DynamoDBClient(config);
  const http = createDynamoHttpClient({ endpoint: new URL(config.endpoint), region: config.region, credentials: config.credentials, maxAttempts: config.maxAttempts });
  const listeners: ((operation: DynamoOperation) => void)[] = [];
  const client: DynamoApi = {
    call(operation, input) {
      for (const l of listeners) l(operation);
      return http.call(operation, input);
    },
  };
  return {
    local,
    client,
    http,
    sdk,
    onCall: (l) => void listeners.push(l),
    async table(now) {
      const tableName = `front-${randomUUID().slice(0, 8)}`;
      await createFrontTable(sdk, tableName);
      const store = createDynamoStore({ client, tableName, ...(now ? { now } : {}) });
      return {
        store,
        tableName,
        async scanKeys() {
          const res = await sdk.send(new ScanCommand({ TableName: tableName }));
          return (res.Items ?? []).map((i) => `${i["pk"]?.S}|${i["sk"]?.S}`).sort();
        },
      };
    },
    async close() {
      sdk.destroy();
      http.close();
      await local.close();
    },
  };
}
