import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { DynamoApi, DynamoOperation, DynamoOperations } from "./dynamo-api.js";

/**
 * The store's DynamoDB operations on an AWS SDK `DynamoDBClient` (the CLI, the local stack, tests
 * that compare both clients). Not on the front's Lambda path: that one uses `../aws/dynamo-client.ts`.
 */

type AnyCommand = new (input: never) => Parameters<DynamoDBClient["send"]>[0];
const COMMANDS: Record<DynamoOperation, AnyCommand> = {
  GetItem: GetItemCommand,
  BatchGetItem: BatchGetItemCommand,
  Query: QueryCommand,
  PutItem: PutItemCommand,
  UpdateItem: UpdateItemCommand,
  DeleteItem: DeleteItemCommand,
  BatchWriteItem: BatchWriteItemCommand,
} as unknown as Record<DynamoOperation, AnyCommand>;

export function sdkDynamoApi(client: DynamoDBClient): DynamoApi {
  return {
    async call<O extends DynamoOperation>(operation: O, input: DynamoOperations[O][0]): Promise<DynamoOperations[O][1]> {
      const Command = COMMANDS[operation];
      if (!Command) throw new TypeError(`sdkDynamoApi: unknown DynamoDB operation '${String(operation)}'`);
      const { $metadata: _metadata, ...output } = (await client.send(new Command(input as never))) as DynamoOperations[O][1] & { $metadata?: unknown };
      return output as DynamoOperations[O][1];
    },
  };
}
