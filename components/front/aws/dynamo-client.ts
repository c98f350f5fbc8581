import type { DynamoApi, DynamoOperation, DynamoOperations } from "../store/dynamo-api.js";
import { createAwsJsonClient, type AwsJsonClient, type AwsJsonClientOptions } from "./aws-json-client.js";
import { awsServiceTargetFromEnv } from "./aws-env.js";

/**
 * The front's DynamoDB client without the AWS SDK: the store's operations (`../store/dynamo-api.ts`)
 * as DynamoDB's JSON protocol (`X-Amz-Target: DynamoDB_20120810.<Operation>`,
 * `application/x-amz-json-1.0`), SigV4-signed, with the SDK's DynamoDB retry settings (4 attempts,
 * 25 ms backoff base; throttling 1 s). Requests and answers are the API's JSON as is: the store
 * writes and reads only string and number attributes, which the SDK passes through unchanged too
 * (it would turn binary `B` values into bytes; the store has none).
 */

export type DynamoHttpClientOptions = Omit<AwsJsonClientOptions, "signingName" | "targetPrefix" | "jsonVersion">;

export interface DynamoHttpClient extends DynamoApi {
  /** The underlying signed JSON client (the signer's differential tests). */
  readonly json: AwsJsonClient;
  /** Closes the kept-alive connections. */
  close(): void;
}

export function createDynamoHttpClient(options: DynamoHttpClientOptions): DynamoHttpClient {
  const json = createAwsJsonClient({ maxAttempts: 4, retryBaseDelayMs: 25, ...options, signingName: "dynamodb", targetPrefix: "DynamoDB_20120810", jsonVersion: "1.0" });
  return {
    json,
    close: () => json.close(),
    call<O extends DynamoOperation>(operation: O, input: DynamoOperations[O][0]): Promise<DynamoOperations[O][1]> {
      return json.call(operation, input) as Promise<DynamoOperations[O][1]>;
    },
  };
}

/**
 * The DynamoDB client of the front's Lambda: region, credentials and endpoint override
 * (`AWS_ENDPOINT_URL_DYNAMODB`) from the environment the Lambda runtime sets, as the SDK reads them.
 */
export function dynamoClientFromEnv(env: Readonly<Record<string, string | undefined>> = process.env, extra: Partial<DynamoHttpClientOptions> = {}): DynamoHttpClient {
  const target = awsServiceTargetFromEnv(env, "dynamodb", "DYNAMODB");
  return createDynamoHttpClient({ ...target, env, ...extra });
}
