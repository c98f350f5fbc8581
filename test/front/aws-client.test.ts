import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { HttpResponse } from "@smithy/core/protocols";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsServiceTargetFromEnv } from "../../components/front/aws/aws-env.js";
import { createAwsJsonClient, type AwsHttpResponse, type AwsTransport } from "../../components/front/aws/aws-json-client.js";
import { retryClassOf, RetryPolicy } from "../../components/front/aws/aws-retry.js";
import { createDynamoHttpClient, dynamoClientFromEnv } from "../../components/front/aws/dynamo-client.js";
import { readSecretString } from "../../components/front/aws/secret-source.js";

/** The front's own AWS client: retries, timeouts, errors and environment as the AWS SDK has them. */

const CREDS = { accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token" };
const REGION = "eu-west-1";
const ENDPOINT = new URL(`https://dynamodb.${REGION}.amazonaws.com`);

type Step = { status: number; body?: unknown; headers?: Record<string, string> } | { networkError: string };
const err400 = (type: string, message: string): Step => ({ status: 400, body: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message } });
const err500 = (status = 500): Step => ({ status, body: { __type: "com.amazon.coral.service#InternalFailure" } });
const ok: Step = { status: 200, body: { Item: { pk: { S: "a" } } } };
const networkError = (code: string) => Object.assign(new Error(`socket: ${code}`), { code });

/** Our client over a scripted transport; resolves the outcome and the number of attempts. */
async function ours(steps: Step[], extra: { maxAttempts?: number } = {}) {
  let attempts = 0;
  const sleeps: number[] = [];
  const transport: AwsTransport = async () => {
    const s = steps[Math.min(attempts++, steps.length - 1)]!;
    if ("networkError" in s) throw networkError(s.networkError);
    return { statusCode: s.status, headers: { "x-amzn-requestid": "req-1", ...s.headers }, body: Buffer.from(s.body === undefined ? "" : JSON.stringify(s.body)) } satisfies AwsHttpResponse;
  };
  const client = createDynamoHttpClient({ region: REGION, credentials: CREDS, endpoint: ENDPOINT, transport, sleep: async (ms) => void sleeps.push(ms), env: {}, ...extra });
  const outcome = await client.call("GetItem", { TableName: "t", Key: { pk: { S: "a" } } }).then(
    (v) => ({ value: v }),
    (e: Error & { $fault?: string; $metadata?: { httpStatusCode?: number; attempts?: number } }) => ({ error: e.name, message: e.message, fault: e.$fault, status: e.$metadata?.httpStatusCode, metaAttempts: e.$metadata?.attempts }),
  );
  return { outcome, attempts, sleeps };
}

/** The AWS SDK's DynamoDB client over the same scripted answers. */
async function sdk(steps: Step[], extra: { maxAttempts?: number } = {}) {
  let attempts = 0;
  const requestHandler = {
    async handle() {
      const s = steps[Math.min(attempts++, steps.length - 1)]!;
      if ("networkError" in s) throw networkError(s.networkError);
      const body = Buffer.from(s.body === undefined ? "" : JSON.stringify(s.body));
      return { response: new HttpResponse({ statusCode: s.status, headers: { "x-amzn-requestid": "req-1", "content-type": "application/x-amz-json-1.0", ...s.headers }, body: Readable.from([body]) }) };
    },
  };
  const client = new DynamoDBClient({ region: REGION, credentials: CREDS, requestHandler: requestHandler as never, ...extra });
  const outcome = await client.send(new GetItemCommand({ TableName: "t", Key: { pk: { S: "a" } } })).then(
    ({ $metadata: _m, ...v }) => ({ value: v }),
    (e: Error & { $fault?: string; $metadata?: { httpStatusCode?: number; attempts?: number } }) => ({ error: e.name, message: e.message, fault: e.$fault, status: e.$metadata?.httpStatusCode, metaAttempts: e.$metadata?.attempts }),
  );
  return { outcome, attempts };
}

describe("retries, as the AWS SDK's DynamoDB client makes them", () => {
  const cases: [string, Step[]][] = [
    ["retries server errors (500, 503) and then answers", [err500(), err500(503), ok]],
    ["gives up after 4 attempts of server errors", [err500(), err500(502), err500(504), err500(), ok]],
    ["does not retry a validation error", [err400("ValidationException", "One or more parameter values were invalid"), ok]],
    ["does not retry a lost conditional write", [err400("ConditionalCheckFailedException", "The conditional request failed"), ok]],
    ["retries a connection reset", [{ networkError: "ECONNRESET" }, ok]],
    ["retries throttling once and then answers", [err400("ProvisionedThroughputExceededException", "Rate of requests exceeds the allowed throughput"), ok]],
    ["does not retry a client error it does not know", [{ status: 403, body: { __type: "com.amazon.coral.service#AccessDeniedException", Message: "User is not authorized" } }, ok]],
  ];
  for (const [title, steps] of cases) {
    it(`${title} (same outcome and attempts as the SDK)`, async () => {
      const [a, b] = [await ours(steps), await sdk(steps)];
      expect(a.attempts).toBe(b.attempts);
      expect(a.outcome).toEqual(b.outcome);
    });
  }

  it("waits with full jitter: random × base × 2^retry, base 25 ms, 1 s for throttling", async () => {
    const client = (random: number) => {
      const sleeps: number[] = [];
      let n = 0;
      const c = createDynamoHttpClient({ region: REGION, credentials: CREDS, endpoint: ENDPOINT, env: {}, random: () => random, sleep: async (ms) => void sleeps.push(ms), transport: async () => ({ statusCode: n++ < 3 ? 500 : 200, headers: {}, body: Buffer.from("{}") }) });
      return { c, sleeps };
    };
    const { c, sleeps } = client(0.5);
    await c.call("GetItem", { TableName: "t", Key: {} });
    expect(sleeps).toEqual([12, 25, 50]);
    const policy = new RetryPolicy(4, 25, () => 0.999);
    expect(policy.retryAfter({ name: "ThrottlingException" }, 2)?.delayMs).toBe(3996);
  });

  it("stops retrying when the client's retry quota is spent, and refills it on success", async () => {
    const policy = new RetryPolicy(100, 25, () => 0);
    let retries = 0;
    while (policy.retryAfter({ $metadata: { httpStatusCode: 500 } }, 0)) retries++;
    expect(retries).toBe(Math.floor(500 / 14));
    expect(policy.retryAfter({ name: "ThrottlingException" }, 0)).toBeDefined();
    const left = policy.quota;
    policy.succeeded(14);
    expect(policy.quota).toBe(left + 14);
  });

  it("classifies errors as the SDK does", () => {
    expect(retryClassOf({ $metadata: { httpStatusCode: 429 } })).toBe("throttling");
    expect(retryClassOf({ name: "TransactionInProgressException" })).toBe("throttling");
    expect(retryClassOf({ name: "TimeoutError" })).toBe("transient");
    expect(retryClassOf({ code: "EAI_AGAIN" })).toBe("transient");
    expect(retryClassOf({ name: "Error", cause: { code: "ECONNRESET" } })).toBe("transient");
    expect(retryClassOf({ name: "AbortError", code: "ECONNRESET" })).toBe("none");
    expect(retryClassOf({ name: "ValidationException", $metadata: { httpStatusCode: 400 } })).toBe("none");
    expect(retryClassOf({ $metadata: { httpStatusCode: 501 } })).toBe("none");
  });
});

describe("errors the service answers", () => {
  it("are named by __type without its namespace, carry the message, $fault, $metadata and the error's other members", async () => {
    const transport: AwsTransport = async () => ({
      statusCode: 400,
      headers: { "x-amzn-requestid": "RID" },
      body: Buffer.from(JSON.stringify({ __type: "com.amazonaws.dynamodb.v20120810#TransactionCanceledException", Message: "Transaction cancelled", CancellationReasons: [{ Code: "ConditionalCheckFailed" }] })),
    });
    const c = createDynamoHttpClient({ region: REGION, credentials: CREDS, endpoint: ENDPOINT, transport, env: {} });
    await expect(c.call("PutItem", { TableName: "t", Item: {} })).rejects.toMatchObject({
      name: "TransactionCanceledException",
      message: "Transaction cancelled",
      $fault: "client",
      $metadata: { httpStatusCode: 400, requestId: "RID", attempts: 1 },
      CancellationReasons: [{ Code: "ConditionalCheckFailed" }],
    });
  });
});

describe("timeouts", () => {
  let server: Server;
  let endpoint: URL;
  let received = 0;
  beforeAll(async () => {
    // Accepts every request and never answers.
    server = createServer(() => void received++);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    endpoint = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("abandon an attempt that gets no answer in time as a TimeoutError, retried like the SDK's", async () => {
    const c = createDynamoHttpClient({ region: REGION, credentials: CREDS, endpoint, env: {}, requestTimeoutMs: 100, maxAttempts: 2, sleep: async () => {} });
    const t = performance.now();
    await expect(c.call("GetItem", { TableName: "t", Key: {} })).rejects.toMatchObject({ name: "TimeoutError", $metadata: { attempts: 2 } });
    expect(performance.now() - t).toBeGreaterThanOrEqual(190);
    expect(received).toBe(2);
    c.close();
  });
});

describe("the environment the Lambda runtime sets", () => {
  const lambdaEnv = { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" };

  it("gives the regional endpoint, the role's credentials, and the endpoint overrides the SDK honours", () => {
    expect(awsServiceTargetFromEnv(lambdaEnv, "dynamodb", "DYNAMODB")).toEqual({ region: "eu-west-1", credentials: { accessKeyId: "AKID", secretAccessKey: "s", sessionToken: "t" }, endpoint: new URL("https://dynamodb.eu-west-1.amazonaws.com") });
    expect(awsServiceTargetFromEnv({ ...lambdaEnv, AWS_REGION: "cn-north-1" }, "secretsmanager", "SECRETS_MANAGER").endpoint.href).toBe("https://secretsmanager.cn-north-1.amazonaws.com.cn/");
    expect(awsServiceTargetFromEnv({ ...lambdaEnv, AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8000", AWS_ENDPOINT_URL: "http://other" }, "dynamodb", "DYNAMODB").endpoint.href).toBe("http://127.0.0.1:8000/");
    expect(awsServiceTargetFromEnv({ ...lambdaEnv, AWS_ENDPOINT_URL: "http://other:1" }, "dynamodb", "DYNAMODB").endpoint.href).toBe("http://other:1/");
    expect(awsServiceTargetFromEnv({ ...lambdaEnv, AWS_MAX_ATTEMPTS: "6" }, "dynamodb", "DYNAMODB").maxAttempts).toBe(6);
  });

  it("fails closed, naming the variable, when credentials or region are missing or malformed", () => {
    expect(() => awsServiceTargetFromEnv({ AWS_REGION: "eu-west-1" }, "dynamodb", "DYNAMODB")).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(() => awsServiceTargetFromEnv({ ...lambdaEnv, AWS_REGION: undefined }, "dynamodb", "DYNAMODB")).toThrow(/AWS_REGION is not set/);
    expect(() => awsServiceTargetFromEnv({ ...lambdaEnv, AWS_REGION: "evil.example.com/x" }, "dynamodb", "DYNAMODB")).toThrow(/not a region name/);
    expect(() => awsServiceTargetFromEnv({ ...lambdaEnv, AWS_MAX_ATTEMPTS: "many" }, "dynamodb", "DYNAMODB")).toThrow(/AWS_MAX_ATTEMPTS/);
    expect(() => awsServiceTargetFromEnv({ ...lambdaEnv, AWS_USE_FIPS_ENDPOINT: "true" }, "dynamodb", "DYNAMODB")).toThrow(/AWS_ENDPOINT_URL_DYNAMODB/);
  });

  it("forwards the invocation's X-Ray trace id on Lambda, unsigned, as the SDK does", async () => {
    const c = dynamoClientFromEnv({ ...lambdaEnv, AWS_LAMBDA_FUNCTION_NAME: "front", _X_AMZN_TRACE_ID: "Root=1-5759e988-bd862e3fe1be46a994272793" });
    const req = await c.json.signedRequest("GetItem", {});
    expect(req.headers["x-amzn-trace-id"]).toBe("Root=1-5759e988-bd862e3fe1be46a994272793");
    expect(req.headers["authorization"]).not.toContain("x-amzn-trace-id");
    c.close();
  });
});

describe("the secret read", () => {
  it("asks Secrets Manager's GetSecretValue for the ARN and returns SecretString, refusing a secret without one", async () => {
    const env = { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "s" };
    const seen: { target?: string; type?: string; body?: string; url?: string }[] = [];
    const answer = (body: unknown): AwsTransport => async (req) => {
      seen.push({ target: req.headers["x-amz-target"], type: req.headers["content-type"], body: req.body, url: req.url.href });
      return { statusCode: 200, headers: {}, body: Buffer.from(JSON.stringify(body)) };
    };
    expect(await readSecretString("arn:s", env, answer({ ARN: "arn:s", SecretString: '{"issuer":"x"}' }))).toBe('{"issuer":"x"}');
    expect(seen[0]).toEqual({ target: "secretsmanager.GetSecretValue", type: "application/x-amz-json-1.1", body: '{"SecretId":"arn:s"}', url: "https://secretsmanager.eu-west-1.amazonaws.com/" });
    await expect(readSecretString("arn:s", env, answer({ ARN: "arn:s", SecretBinary: "AAAA" }))).rejects.toThrow(/no string value/);
  });
});
