/**
 * IP address classification for the destination guard: is this an address on the public Internet?
 *
 * Hand-written rather than net.BlockList so that every embedded-IPv4 form (IPv4-mapped, IPv4-compatible,
 * NAT64, 6to4) is unwrapped explicitly and checked against the IPv4 rules - those forms are how SSRF
 * filters are usually bypassed. IPv6 is allow-listed to global unicast (2000::/3) minus the special
 * ranges; IPv4 is block-listed with the IANA special-purpose registry.
 */

import { isIPv4, isIPv6 } from 'node:net';

/** [network, prefix length] pairs of IPv4 ranges that are not publicly routable destinations. */
const IPV4_BLOCKED: ReadonlyArray<readonly [number, number]> = [
  [v4(0, 0, 0, 0), 8], // "this network", includes 0.0.0.0
  [v4(10, 0, 0, 0), 8], // RFC 1918
  [v4(100, 64, 0, 0), 10], // CGNAT, RFC 6598
  [v4(127, 0, 0, 0), 8], // loopback
  [v4(169, 254, 0, 0), 16], // link-local, includes the 169.254.169.254 metadata service
  [v4(172, 16, 0, 0), 12], // RFC 1918
  [v4(192, 0, 0, 0), 24], // IETF protocol assignments
  [v4(192, 0, 2, 0), 24], // TEST-NET-1
  [v4(192, 88, 99, 0), 24], // 6to4 relay anycast (deprecated)
  [v4(192, 168, 0, 0), 16], // RFC 1918
  [v4(198, 18, 0, 0), 15], // benchmarking
  [v4(198, 51, 100, 0), 24], // TEST-NET-2
  [v4(203, 0, 113, 0), 24], // TEST-NET-3
  [v4(224, 0, 0, 0), 4], // multicast
  [v4(240, 0, 0, 0), 4], // reserved, includes 255.255.255.255
];

function v4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function parseIPv4(ip: string): number | undefined {
  if (!isIPv4(ip)) return undefined;
  const p = ip.split('.').map(Number);
  return v4(p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 0);
}

function isPublicIPv4(n: number): boolean {
  for (const [net, bits] of IPV4_BLOCKED) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if (((n & mask) >>> 0) === net) return false;
  }
  return true;
}

/** Parses an IPv6 address (optionally with a %zone) into 8 16-bit groups. */
export function parseIPv6(input: string): number[] | undefined {
  const ip = input.includes('%') ? input.slice(0, input.indexOf('%')) : input;
  if (!isIPv6(ip)) return undefined;
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // Trailing dotted quad (::ffff:1.2.3.4): it is the last two groups.
    const n = parseIPv4(last);
    if (n === undefined) return undefined;
    tail.push(n >>> 16, n & 0xffff);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').filter((g) => g !== '').map((g) => parseInt(g, 16)));
  const head = parse(halves[0] ?? '');
  const rest = halves.length > 1 ? parse(halves[1] ?? '') : [];
  const fill = 8 - tail.length - head.length - rest.length;
  if (halves.length === 1 && fill !== 0) return undefined;
  if (fill < 0) return undefined;
  return [...head, ...new Array<number>(halves.length > 1 ? fill : 0).fill(0), ...rest, ...tail];
}

function inPrefix(groups: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++) {
    const take = Math.min(16, bits);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
    bits -= take;
  }
  return true;
}

function embeddedV4(hi: number, lo: number): number {
  return ((hi << 16) | lo) >>> 0;
}

function isPublicIPv6(g: number[]): boolean {
  const [g0 = 0, g1 = 0, , , , , g6 = 0, g7 = 0] = g;
  // Forms that carry an IPv4 address in the low 32 bits: judge them by that address.
  if (inPrefix(g, [0, 0, 0, 0, 0, 0xffff], 96)) return isPublicIPv4(embeddedV4(g6, g7)); // ::ffff:a.b.c.d mapped
  if (inPrefix(g, [0, 0, 0, 0, 0xffff, 0], 96)) return false; // ::ffff:0:a.b.c.d (SIIT translated)
  if (inPrefix(g, [0x64, 0xff9b, 0, 0, 0, 0], 96)) return isPublicIPv4(embeddedV4(g6, g7)); // NAT64 well-known
  if (inPrefix(g, [0x2002], 16)) return isPublicIPv4(embeddedV4(g1, g[2] ?? 0)) && g1 !== 0; // 6to4
  // Only global unicast is public; everything else (::, ::1, ::a.b.c.d, fc00::/7 incl. fd00:ec2::254,
  // fe80::/10, ff00::/8, 64:ff9b:1::/48 local NAT64, 100::/64 discard) falls outside 2000::/3.
  if ((g0 & 0xe000) !== 0x2000) return false;
  if (inPrefix(g, [0x2001, 0], 32)) return false; // Teredo: tunnels to an obfuscated IPv4 address
  if (inPrefix(g, [0x2001, 0x0db8], 32)) return false; // documentation
  if (inPrefix(g, [0x2001, 0x0010], 28)) return false; // ORCHID
  if (inPrefix(g, [0x2001, 0x0020], 28)) return false; // ORCHIDv2
  if (inPrefix(g, [0x2001, 0x0002, 0], 48)) return false; // benchmarking
  if (inPrefix(g, [0x3fff], 20)) return false; // documentation (RFC 9637)
  return true;
}

/**
 * True when `ip` (an IPv4 or IPv6 literal, as a resolver returns it) is a public unicast address.
 * Anything that does not parse is not public.
 */
export function isPublicAddress(ip: string): boolean {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const n = parseIPv4(text);
  if (n !== undefined) return isPublicIPv4(n);
  const g = parseIPv6(text);
  if (g !== undefined) return isPublicIPv6(g);
  return false;
}
