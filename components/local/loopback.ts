/** Hosts that only this machine can reach: the dev stack refuses anything riskier for auto-approve. */
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** Whether a bind address is loopback-only. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}
