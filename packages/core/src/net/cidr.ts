import { formatIPv4, type IPv4, tryParseIPv4 } from "./ip.ts";

/** An IPv4 prefix such as 10.244.1.0/24. */
export interface Cidr {
  readonly base: IPv4;
  readonly bits: number;
  /** The netmask as an unsigned 32-bit integer. */
  readonly mask: number;
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Parses `a.b.c.d/n` (a bare address means /32); undefined when malformed. */
export function tryParseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.split("/");
  if (extra !== undefined || addr === undefined) return undefined;
  const ip = tryParseIPv4(addr);
  if (ip === undefined) return undefined;
  const bits = len === undefined ? 32 : /^\d{1,2}$/.test(len) ? Number(len) : Number.NaN;
  if (!(bits >= 0 && bits <= 32)) return undefined;
  const mask = maskOf(bits);
  // Like the kernel and iptables, host bits are cleared rather than rejected.
  return { base: (ip & mask) >>> 0, bits, mask };
}

/** Parses a CIDR, throwing a SyntaxError that quotes the input. */
export function parseCidr(text: string): Cidr {
  const cidr = tryParseCidr(text);
  if (!cidr) throw new SyntaxError(`expected an IPv4 CIDR such as 10.96.0.0/12, got "${text}"`);
  return cidr;
}

/** True when `ip` lies inside `cidr`. */
export function cidrContains(cidr: Cidr, ip: IPv4): boolean {
  return (ip & cidr.mask) >>> 0 === cidr.base;
}

/** The number of addresses in the prefix. */
export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.bits);
}

/** The `i`-th address of the prefix (0 is the network address). */
export function cidrAt(cidr: Cidr, i: number): IPv4 {
  if (i < 0 || i >= cidrSize(cidr)) throw new RangeError(`index ${i} is outside ${formatCidr(cidr)}`);
  return (cidr.base + i) >>> 0;
}

/** Formats as `a.b.c.d/n`. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIPv4(cidr.base)}/${cidr.bits}`;
}

/** True when two prefixes share any address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  const mask = maskOf(bits);
  return (a.base & mask) >>> 0 === (b.base & mask) >>> 0;
}
