import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createItemReader, S } from "../../components/front/store/dynamodb-items.js";
import { dynamoFixture, type DynamoFixture } from "./store-helpers.js";

/** The store's single-item reads: those asked for together go as one BatchGetItem, each caller gets its own item. */

let fx: DynamoFixture;
let tableName: string;
let calls: string[] = [];

beforeAll(async () => {
  fx = await dynamoFixture();
  ({ tableName } = await fx.table());
  fx.onCall((operation) => calls.push(operation));
  for (const pk of ["a", "b", "c"]) await fx.client.call("PutItem", { TableName: tableName, Item: { pk: S(pk), sk: S("_"), data: S(`item ${pk}`) } });
});

afterAll(() => fx.close());

const key = (pk: string) => ({ pk: S(pk), sk: S("_") });

describe("batched item reads", () => {
  it("sends reads asked for together as one BatchGetItem, repeated keys once, absent items as undefined", async () => {
    const read = createItemReader(fx.client, tableName);
    calls = [];
    const [a, b, missing, a2] = await Promise.all([read(key("a")), read(key("b")), read(key("zz")), read(key("a"))]);
    expect(calls).toEqual(["BatchGetItem"]);
    expect(a?.["data"]).toEqual(S("item a"));
    expect(a2?.["data"]).toEqual(S("item a"));
    expect(b?.["data"]).toEqual(S("item b"));
    expect(missing).toBeUndefined();
  });

  it("sends a lone read as GetItem", async () => {
    const read = createItemReader(fx.client, tableName);
    calls = [];
    expect((await read(key("c")))?.["data"]).toEqual(S("item c"));
    expect(await read(key("nope"))).toBeUndefined();
    expect(calls).toEqual(["GetItem", "GetItem"]);
  });

  it("rejects every read of a batch when DynamoDB fails", async () => {
    const read = createItemReader(fx.client, "no-such-table");
    const results = await Promise.allSettled([read(key("a")), read(key("b"))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
