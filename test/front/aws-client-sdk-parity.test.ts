import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createAwsJsonClient, type AwsHttpRequest } from "../../components/front/aws/aws-json-client.js";
import { createDynamoHttpClient } from "../../components/front/aws/dynamo-client.js";
import { NodeSha256 } from "../../components/front/aws/node-sha256.js";
import { sdkDynamoApi } from "../../components/front/store/dynamo-sdk.js";
import type { DynamoApi } from "../../components/front/store/dynamo-api.js";
import { createFrontTable } from "../../components/front/store/dynamodb.js";
import { dynamoFixture, type DynamoFixture } from "./store-helpers.js";

/**
 * The front's own AWS client against the AWS SDK it replaces on the Lambda: the same signed request
 * (headers and body) for the same call and clock, and on dynalite the same answers and errors for
 * every operation the store uses.
 */

const CLOCK = new Date("2026-12-05T17:11:13.000Z");
const REGION = "eu-west-1";
const CREDS = [
  { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "FwoGZXIvYXdzEXAMPLE//token+/=" },
  { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
];

interface Captured {
  headers: Record<string, string>;
  body: string;
  hostname: string;
  path: string;
  port?: number;
  protocol: string;
}

/** The request an SDK client would send (captured by its request handler), at the frozen clock. */
async function sdkRequest(send: (handler: { handle(req: unknown): Promise<never> }) => Promise<unknown>): Promise<Captured> {
  let captured: Captured | undefined;
  const handler = {
    async handle(req: unknown): Promise<never> {
      const r = req as Omit<Captured, "body"> & { body: Uint8Array | string };
      const body = r.body instanceof Uint8Array ? Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength).toString("utf8") : String(r.body);
      captured = { protocol: r.protocol, hostname: r.hostname, path: r.path, ...(r.port ? { port: r.port } : {}), headers: { ...r.headers }, body };
      throw Object.assign(new Error("captured"), { name: "Captured" });
    },
  };
  await send(handler).catch((e: Error) => {
    if (e.name !== "Captured") throw e;
  });
  if (!captured) throw new Error("the SDK sent nothing");
  return captured;
}

/** Headers only the SDK sends (invocation id, attempt counter, user agent): not part of what DynamoDB needs. */
const SDK_ONLY = ["amz-sdk-invocation-id", "amz-sdk-request", "x-amz-user-agent", "user-agent"];
const SIGNED_BY_SIGNER = ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"];

/** The SDK's own signer (with the SDK's node hash) over the SDK's request without the SDK-only headers. */
async function sdkSignature(req: Captured, service: string, creds: (typeof CREDS)[number]): Promise<Record<string, string>> {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !SDK_ONLY.includes(k) && !SIGNED_BY_SIGNER.includes(k)));
  const signer = new SignatureV4({ service, region: REGION, credentials: creds, sha256: Hash.bind(null, "sha256") });
  const signed = await signer.sign({ method: "POST", protocol: req.protocol, hostname: req.hostname, path: req.path, query: {}, headers, body: req.body, ...(req.port ? { port: req.port } : {}) }, { signingDate: CLOCK });
  return signed.headers as Record<string, string>;
}

const withoutSdkOnly = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => !SDK_ONLY.includes(k)));

describe("the front's AWS client signs what the AWS SDK signs", () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(CLOCK);
  });
  afterAll(() => vi.useRealTimers());

  // Inputs with their members in the order of the API's shapes, so that the SDK's JSON and ours are the same bytes.
  const calls = [
    { op: "GetItem", input: { TableName: "front", Key: { pk: { S: "oidc#Session#a" }, sk: { S: "_" } }, ConsistentRead: true }, Command: GetItemCommand },
    { op: "PutItem", input: { TableName: "front", Item: { pk: { S: "consent#alice" }, sk: { S: "vscode#https%3A%2F%2Fcrm" }, data: { S: '{"x":"é ✓"}' }, expiresAt: { N: "1800000000" } } }, Command: PutItemCommand },
    {
      op: "UpdateItem",
      input: {
        TableName: "front",
        Key: { pk: { S: "oidc#RefreshToken#r" }, sk: { S: "_" } },
        UpdateExpression: "SET #c = :now",
        ConditionExpression: "attribute_exists(#pk) AND attribute_not_exists(#c)",
        ExpressionAttributeNames: { "#pk": "pk", "#c": "consumed" },
        ExpressionAttributeValues: { ":now": { N: "1800000000" } },
      },
      Command: UpdateItemCommand,
    },
    { op: "Query", input: { TableName: "front", ConsistentRead: true, KeyConditionExpression: "pk = :pk AND sk >= :since", ExpressionAttributeValues: { ":pk": { S: "revocation" }, ":since": { S: "000000000000" } } }, Command: QueryCommand },
    { op: "BatchWriteItem", input: { RequestItems: { front: [{ PutRequest: { Item: { pk: { S: "a" }, sk: { S: "_" } } } }, { DeleteRequest: { Key: { pk: { S: "b" }, sk: { S: "_" } } } }] } }, Command: BatchWriteItemCommand },
  ] as const;

  for (const creds of CREDS) {
    for (const { op, input, Command } of calls) {
      it(`signs DynamoDB ${op} ${creds.sessionToken ? "with" : "without"} a session token as the SDK's signer does, on the SDK's request`, async () => {
        const sdk = await sdkRequest((requestHandler) => new DynamoDBClient({ region: REGION, credentials: creds, requestHandler: requestHandler as never }).send(new (Command as unknown as new (i: unknown) => GetItemCommand)(input) as never));
        const ours = await createDynamoHttpClient({ region: REGION, credentials: creds, endpoint: new URL(`https://dynamodb.${REGION}.amazonaws.com`), env: {} }).json.signedRequest(op, input);
        expect(ours.url.href).toBe(`${sdk.protocol}//${sdk.hostname}${sdk.path}`);
        expect(ours.body).toBe(sdk.body);
        // Every header the SDK sends, SDK bookkeeping aside, with the same value; the signature the SDK's signer gives that request.
        const expected = await sdkSignature(sdk, "dynamodb", creds);
        expect(ours.headers).toEqual(expected);
        const sdkSigned = withoutSdkOnly(sdk.headers);
        for (const name of ["content-type", "x-amz-target", "content-length", "host", "x-amz-date", "x-amz-content-sha256"]) expect(ours.headers[name]).toBe(sdkSigned[name]);
        expect(ours.headers["x-amz-security-token"]).toBe(sdkSigned["x-amz-security-token"]);
        expect(ours.headers["authorization"]).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261205\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;(x-amz-security-token;)?x-amz-target, Signature=[0-9a-f]{64}$/);
      });
    }
  }

  it("produces the SDK's own signature when given the SDK's exact request (its node:crypto hash equals the SDK's)", async () => {
    const creds = CREDS[0]!;
    const sdk = await sdkRequest((requestHandler) => new DynamoDBClient({ region: REGION, credentials: creds, requestHandler: requestHandler as never }).send(new GetItemCommand(calls[0].input)));
    const headers = Object.fromEntries(Object.entries(sdk.headers).filter(([k]) => !SIGNED_BY_SIGNER.includes(k)));
    const signer = new SignatureV4({ service: "dynamodb", region: REGION, credentials: creds, sha256: NodeSha256 });
    const signed = await signer.sign({ method: "POST", protocol: sdk.protocol, hostname: sdk.hostname, path: sdk.path, query: {}, headers, body: sdk.body }, { signingDate: CLOCK });
    expect((signed.headers as Record<string, string>)["authorization"]).toBe(sdk.headers["authorization"]);
  });

  it("signs Secrets Manager GetSecretValue (awsJson1_1) as the SDK's signer does, on the SDK's request", async () => {
    const creds = CREDS[0]!;
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:front-AbCdEf";
    const sdk = await sdkRequest((requestHandler) => new SecretsManagerClient({ region: REGION, credentials: creds, requestHandler: requestHandler as never }).send(new GetSecretValueCommand({ SecretId: arn })));
    const client = createAwsJsonClient({ signingName: "secretsmanager", targetPrefix: "secretsmanager", jsonVersion: "1.1", region: REGION, credentials: creds, endpoint: new URL(`https://secretsmanager.${REGION}.amazonaws.com`), env: {} });
    const ours: AwsHttpRequest = await client.signedRequest("GetSecretValue", { SecretId: arn });
    expect(ours.url.href).toBe(`${sdk.protocol}//${sdk.hostname}${sdk.path}`);
    expect(ours.body).toBe(sdk.body);
    expect(ours.headers).toEqual(await sdkSignature(sdk, "secretsmanager", creds));
    expect(ours.headers["x-amz-target"]).toBe("secretsmanager.GetSecretValue");
    expect(ours.headers["content-type"]).toBe("application/x-amz-json-1.1");
  });
});

describe("the front's DynamoDB client answers what the AWS SDK answers (both on dynalite)", () => {
  let fx: DynamoFixture;
  let tableName: string;
  let ours: DynamoApi;
  let theirs: DynamoApi;
  beforeAll(async () => {
    fx = await dynamoFixture();
    tableName = `parity-${Date.now()}`;
    await createFrontTable(fx.sdk, tableName);
    ours = fx.http;
    theirs = sdkDynamoApi(fx.sdk);
  });
  afterAll(() => fx.close());
  afterEach(() => vi.useRealTimers());

  const S = (s: string) => ({ S: s });
  const key = (pk: string, sk = "_") => ({ pk: S(pk), sk: S(sk) });

  /** Runs one call on both clients (each on its own key space) and returns both results or errors. */
  async function both<T>(run: (api: DynamoApi, prefix: string) => Promise<T>): Promise<{ ours: T | ErrorShape; theirs: T | ErrorShape }> {
    const settle = async (api: DynamoApi, prefix: string) => {
      try {
        return await run(api, prefix);
      } catch (err) {
        const e = err as Error & { $fault?: string; $metadata?: { httpStatusCode?: number } };
        return { error: e.name, message: e.message, fault: e.$fault, status: e.$metadata?.httpStatusCode } satisfies ErrorShape;
      }
    };
    return { ours: await settle(ours, "o"), theirs: await settle(theirs, "t") };
  }
  type ErrorShape = { error: string; message: string; fault: string | undefined; status: number | undefined };

  /** Key prefixes differ between the two runs; compare with them taken out. */
  const norm = (v: unknown) => JSON.parse(JSON.stringify(v).replace(/"[ot]#/g, '"#'));

  it("gives the same items, pages and updated values for the operations the store uses", async () => {
    const r = await both(async (api, p) => {
      const out: unknown[] = [];
      out.push(await api.call("PutItem", { TableName: tableName, Item: { ...key(`${p}#a`), data: S("é ✓ 1"), expiresAt: { N: "1800000000" } } }));
      out.push(await api.call("BatchWriteItem", { RequestItems: { [tableName]: [1, 2, 3].map((i) => ({ PutRequest: { Item: { ...key(`${p}#q`, `s${i}`), data: S(`q${i}`) } } })) } }));
      out.push(await api.call("GetItem", { TableName: tableName, Key: key(`${p}#a`), ConsistentRead: true }));
      out.push(await api.call("GetItem", { TableName: tableName, Key: key(`${p}#missing`), ConsistentRead: true }));
      out.push(await api.call("Query", { TableName: tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S(`${p}#q`) }, ConsistentRead: true, Limit: 2 }));
      out.push(await api.call("Query", { TableName: tableName, KeyConditionExpression: "pk = :pk AND begins_with(sk, :s)", ExpressionAttributeValues: { ":pk": S(`${p}#q`), ":s": S("s") }, ConsistentRead: true, ProjectionExpression: "pk, sk" }));
      const batch = await api.call("BatchGetItem", { RequestItems: { [tableName]: { Keys: [key(`${p}#a`), key(`${p}#q`, "s2"), key(`${p}#none`)], ConsistentRead: true } } });
      const items = batch.Responses?.[tableName] ?? [];
      out.push({ ...batch, Responses: { [tableName]: [...items].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))) } });
      out.push(await api.call("UpdateItem", { TableName: tableName, Key: key(`${p}#c`), UpdateExpression: "ADD #n :one SET #e = :exp", ExpressionAttributeNames: { "#n": "n", "#e": "expiresAt" }, ExpressionAttributeValues: { ":one": { N: "1" }, ":exp": { N: "120" } }, ReturnValues: "UPDATED_NEW" }));
      out.push(await api.call("UpdateItem", { TableName: tableName, Key: key(`${p}#a`), UpdateExpression: "SET #c = :now", ConditionExpression: "attribute_exists(#pk) AND attribute_not_exists(#c)", ExpressionAttributeNames: { "#pk": "pk", "#c": "consumed" }, ExpressionAttributeValues: { ":now": { N: "5" } } }));
      out.push(await api.call("DeleteItem", { TableName: tableName, Key: key(`${p}#a`), ReturnValues: "ALL_OLD" }));
      out.push(await api.call("DeleteItem", { TableName: tableName, Key: key(`${p}#a`), ReturnValues: "ALL_OLD" }));
      return out;
    });
    expect(norm(r.ours)).toEqual(norm(r.theirs));
    // Not vacuous: the reads found what was written.
    expect(JSON.stringify(r.ours)).toContain("é ✓ 1");
    expect((r.ours as { Items?: unknown[] }[])[4]!.Items).toHaveLength(2);
  });

  it("fails a conditional write that loses with ConditionalCheckFailedException and the same message, as a client fault", async () => {
    const r = await both(async (api, p) => {
      await api.call("PutItem", { TableName: tableName, Item: key(`${p}#cond`) });
      return api.call("UpdateItem", { TableName: tableName, Key: key(`${p}#cond`), UpdateExpression: "SET #c = :now", ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": "pk", "#c": "consumed" }, ExpressionAttributeValues: { ":now": { N: "1" } } });
    });
    expect(r.ours).toEqual(r.theirs);
    expect(r.ours).toMatchObject({ error: "ConditionalCheckFailedException", fault: "client", status: 400 });
  });

  it("names a malformed request ValidationException and a missing table ResourceNotFoundException, with the same messages", async () => {
    const bad = await both((api) => api.call("Query", { TableName: tableName, KeyConditionExpression: "pk = :pk AND", ExpressionAttributeValues: { ":pk": S("x") } }));
    expect(bad.ours).toEqual(bad.theirs);
    expect(bad.ours).toMatchObject({ error: "ValidationException", fault: "client" });
    const missing = await both((api) => api.call("GetItem", { TableName: "no-such-table", Key: key("x") }));
    expect(missing.ours).toEqual(missing.theirs);
    expect(missing.ours).toMatchObject({ error: "ResourceNotFoundException", status: 400 });
  });
});
