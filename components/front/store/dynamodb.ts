import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { isDynamoApi, type DynamoApi } from "./dynamo-api.js";
import { sdkDynamoApi } from "./dynamo-sdk.js";
import { createDynamoApiStore, listRegistrationsOn } from "./dynamodb-store.js";
import type { FrontStore, RegistrationRecord } from "./types.js";

export { createFrontTable, FRONT_TABLE } from "./table.js";
export { createDynamoApiStore } from "./dynamodb-store.js";
export type { DynamoApi } from "./dynamo-api.js";

/**
 * The front's DynamoDB store (`dynamodb-store.ts`) on either client: an AWS SDK `DynamoDBClient`
 * (the CLI, the local stack) or a {@link DynamoApi} (the front's own SigV4 client,
 * `../aws/dynamo-client.ts`, which its Lambda uses; the Lambda imports `dynamodb-store.ts` directly
 * so that the SDK stays out of its bundle).
 */

export interface DynamoStoreOptions {
  client: DynamoDBClient | DynamoApi;
  tableName: string;
  /** Clock in milliseconds (tests pass a fake one). Default `Date.now`. */
  now?: () => number;
}

const apiOf = (client: DynamoDBClient | DynamoApi): DynamoApi => (isDynamoApi(client) ? client : sdkDynamoApi(client));

export function createDynamoStore(options: DynamoStoreOptions): FrontStore {
  return createDynamoApiStore({ ...options, client: apiOf(options.client) });
}

/** Registration records of one UTC day, oldest first (investigations, tests). */
export function listRegistrations(client: DynamoDBClient | DynamoApi, tableName: string, dayOf: number): Promise<RegistrationRecord[]> {
  return listRegistrationsOn(apiOf(client), tableName, dayOf);
}
