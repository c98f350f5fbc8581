import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postRequest, runLoad } from "../../bench/gateway-load.js";

/**
 * The gateway benchmark's load generator in open-loop mode (bench/gateway-load.ts): requests go out
 * on a fixed schedule, and latency counts from the scheduled send time, so a stall of the server
 * shows in the latency of every request scheduled during it (no coordinated omission).
 */
describe("gateway load generator, open loop", () => {
  let server: Server;
  let port = 0;
  let served = 0;
  let stallAt = -1;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const n = served++;
        const answer = () => res.writeHead(200, { "content-type": "application/json", "content-length": 2 }).end("{}");
        if (n === stallAt) setTimeout(answer, 300);
        else answer();
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it("sends at the offered rate and counts a stall against every request scheduled during it", async () => {
    served = 0;
    stallAt = 20;
    const req = postRequest("/", {}, "{}");
    const r = await runLoad({ port, request: req, connections: 1, seconds: 1, rate: 100 });
    // 100 requests scheduled in one second on one connection, 10 ms apart.
    expect(r.requests).toBeGreaterThanOrEqual(98);
    expect(r.requests).toBeLessThanOrEqual(100);
    expect(r.errors).toBe(0);
    const slow = Array.from(r.latencies).filter((l) => l >= 100);
    // The stalled request (~300 ms) and those scheduled behind it (waiting ~290, 280, … ms) all count.
    expect(Math.max(...r.latencies)).toBeGreaterThanOrEqual(290);
    expect(slow.length).toBeGreaterThanOrEqual(15);
    expect(r.late).toBeGreaterThanOrEqual(15);
  });

  it("closed loop: the stall shows in one request only (the generator waits with the server)", async () => {
    served = 0;
    stallAt = 20;
    const r = await runLoad({ port, request: postRequest("/", {}, "{}"), connections: 1, seconds: 1 });
    expect(Array.from(r.latencies).filter((l) => l >= 100).length).toBe(1);
    expect(r.late).toBe(0);
  });
});
