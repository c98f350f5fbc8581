import type {
  BatchGetItemInput,
  BatchGetItemOutput,
  BatchWriteItemInput,
  BatchWriteItemOutput,
  DeleteItemInput,
  DeleteItemOutput,
  GetItemInput,
  GetItemOutput,
  PutItemInput,
  PutItemOutput,
  QueryInput,
  QueryOutput,
  UpdateItemInput,
  UpdateItemOutput,
} from "@aws-sdk/client-dynamodb";

/**
 * The DynamoDB operations the front's store uses, as the store sees them: an operation name of the
 * DynamoDB API (2012-08-10) and its request, answered with its response (the shapes of the API
 * reference; the AWS SDK's types, imported as types only). Two implementations:
 * - `sdkDynamoApi` (`dynamo-sdk.ts`): an AWS SDK `DynamoDBClient` (the CLI, the local stack);
 * - `createDynamoHttpClient` (`../aws/dynamo-client.ts`): the front's Lambda, a SigV4-signed JSON
 *   request per call without the SDK (a smaller cold start).
 */
export interface DynamoOperations {
  GetItem: [GetItemInput, GetItemOutput];
  BatchGetItem: [BatchGetItemInput, BatchGetItemOutput];
  Query: [QueryInput, QueryOutput];
  PutItem: [PutItemInput, PutItemOutput];
  UpdateItem: [UpdateItemInput, UpdateItemOutput];
  DeleteItem: [DeleteItemInput, DeleteItemOutput];
  BatchWriteItem: [BatchWriteItemInput, BatchWriteItemOutput];
}

export type DynamoOperation = keyof DynamoOperations;

export interface DynamoApi {
  /**
   * Sends one operation. Rejects with an error whose `name` is DynamoDB's error code
   * (`ConditionalCheckFailedException`, `ValidationException`, ...) once retries are spent.
   */
  call<O extends DynamoOperation>(operation: O, input: DynamoOperations[O][0]): Promise<DynamoOperations[O][1]>;
}

/** The operation names, for implementations that dispatch on them. */
export const DYNAMO_OPERATIONS: readonly DynamoOperation[] = ["GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"];

/** Whether `client` is a {@link DynamoApi} (rather than an AWS SDK client, which has `send`). */
export function isDynamoApi(client: unknown): client is DynamoApi {
  return typeof (client as { call?: unknown } | null)?.call === "function";
}
