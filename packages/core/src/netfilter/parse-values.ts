import { type Cidr, type IPv4, tryParseCidr, tryParseIPv4 } from "../net/index.ts";
import type { PortRange } from "./types.ts";

/** A syntax problem inside one rule; the dump parser adds file and line. */
export class RuleSyntaxError extends Error {
  override readonly name = "RuleSyntaxError";
}

/** Protocol names iptables accepts and prints (/etc/protocols and xtables_chain_protos). */
export const PROTO_NUMBERS: Readonly<Record<string, number>> = {
  all: 0,
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  sctp: 132,
  udplite: 136,
};

/** The name iptables-save prints for a protocol number, if it has one. */
export function protoName(proto: number): string | undefined {
  for (const [name, n] of Object.entries(PROTO_NUMBERS)) if (n === proto && name !== "all") return name;
  return undefined;
}

/**
 * Parses an unsigned integer the way strtoul(…, 0) does: `0x` hex, leading-0
 * octal, else decimal; rejects anything above `max`.
 */
export function parseUint(text: string, what: string, max = 0xffffffff): number {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = Number.parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) n = Number.parseInt(text.slice(1), 8);
  else if (/^\d+$/.test(text)) n = Number(text);
  else throw new RuleSyntaxError(`expected ${what}, got "${text}"`);
  if (!(n <= max)) throw new RuleSyntaxError(`${what} "${text}" is out of range (max ${max})`);
  return n;
}

/** Parses `value[/mask]` as xtables_parse_mark_mask does (mask defaults to 0xffffffff). */
export function parseMarkMask(text: string, what: string): { value: number; mask: number } {
  const [v, m, extra] = text.split("/");
  if (extra !== undefined || v === undefined || v === "") throw new RuleSyntaxError(`expected ${what}, got "${text}"`);
  return { value: parseUint(v, what), mask: m === undefined ? 0xffffffff : parseUint(m, what) };
}

/** Parses one port number (0–65535). */
export function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new RuleSyntaxError(`expected a port number 0-65535, got "${text}"`);
  }
  return Number(text);
}

/**
 * Parses a port or range as `-m tcp` does: `p`, `a:b`, `a:` (to 65535), `:b`
 * (from 0), `:` (any); a range whose start exceeds its end is an error.
 */
export function parsePortRange(text: string): PortRange {
  const colon = text.indexOf(":");
  if (colon < 0) {
    const p = parsePort(text);
    return { lo: p, hi: p };
  }
  const a = text.slice(0, colon);
  const b = text.slice(colon + 1);
  const lo = a === "" ? 0 : parsePort(a);
  const hi = b === "" ? 65535 : parsePort(b);
  if (lo > hi) throw new RuleSyntaxError(`invalid port range "${text}": start is after end`);
  return { lo, hi };
}

function maskBits(mask: IPv4): number | undefined {
  const inv = ~mask >>> 0;
  if ((inv & (inv + 1)) !== 0) return undefined;
  return 32 - Math.log2(inv + 1);
}

/** Parses `-s`/`-d` values: `a.b.c.d`, `a.b.c.d/n` or `a.b.c.d/m.m.m.m` (contiguous masks only). */
export function parseAddress(text: string): Cidr {
  const slash = text.indexOf("/");
  if (slash >= 0) {
    const mask = tryParseIPv4(text.slice(slash + 1));
    if (mask !== undefined) {
      const bits = maskBits(mask);
      if (bits === undefined)
        throw new RuleSyntaxError(`non-contiguous netmask "${text.slice(slash + 1)}" is not supported`);
      const cidr = tryParseCidr(`${text.slice(0, slash)}/${bits}`);
      if (cidr) return cidr;
    }
  }
  const cidr = tryParseCidr(text);
  if (!cidr) throw new RuleSyntaxError(`expected an IPv4 address or CIDR, got "${text}" (host names are not resolved)`);
  return cidr;
}

/** Parses a host address (no prefix). */
export function parseHost(text: string, what: string): IPv4 {
  const ip = tryParseIPv4(text);
  if (ip === undefined) throw new RuleSyntaxError(`expected ${what} (an IPv4 address), got "${text}"`);
  return ip;
}
