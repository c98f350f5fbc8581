import { BlockList, isIP } from "node:net";

/**
 * Which IP addresses the front may connect to when it fetches a document a client names (SSRF
 * defence, draft-ietf-oauth-client-id-metadata-document "Server-Side Request Forgery").
 * Everything that is not globally routable is refused: loopback, private (RFC 1918, RFC 4193),
 * link-local (including the cloud metadata service 169.254.169.254 and fd00:ec2::254),
 * carrier-grade NAT, documentation, benchmarking, multicast and reserved ranges, and IPv6 forms
 * that embed an IPv4 address (mapped, NAT64, 6to4), which are checked as that IPv4 address.
 */

const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  blocked.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  blocked.addSubnet(net, prefix, "ipv6");
}

/** The IPv4 address embedded in an IPv4-mapped, NAT64 or 6to4 IPv6 address, if any. */
function embeddedIpv4(address: string): string | undefined {
  const a = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted?.[1]) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hex?.[1] && hex[2]) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4}):/.exec(a);
  if (sixToFour?.[1] && sixToFour[2]) {
    const hi = parseInt(sixToFour[1], 16);
    const lo = parseInt(sixToFour[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

export function isLoopbackAddress(address: string): boolean {
  const v4 = isIP(address) === 6 ? embeddedIpv4(address) : address;
  if (v4 !== undefined && isIP(v4) === 4) return v4.startsWith("127.");
  return address === "::1";
}

/** Why the front must not connect to `address`, or undefined when it is publicly routable. */
export function addressProblem(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return `'${address}' is not an IP address`;
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return addressProblem(v4) ? `${address} embeds the non-public address ${v4}` : undefined;
    return blocked.check(address, "ipv6") ? `${address} is not a public address (loopback, private, link-local or reserved)` : undefined;
  }
  return blocked.check(address, "ipv4") ? `${address} is not a public address (loopback, private, link-local, metadata service or reserved)` : undefined;
}
