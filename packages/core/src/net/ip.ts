/**
 * IPv4 addresses as unsigned 32-bit integers: cheap to compare, hash and mask
 * on the per-packet path. Text appears only at the edges (parsing, views).
 */
export type IPv4 = number;

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses dotted-quad text; returns undefined when it is not an IPv4 address. */
export function tryParseIPv4(text: string): IPv4 | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    value = value * 256 + Number(part);
  }
  return value >>> 0;
}

/** Parses dotted-quad text, throwing a SyntaxError that quotes the input. */
export function parseIPv4(text: string): IPv4 {
  const ip = tryParseIPv4(text);
  if (ip === undefined) throw new SyntaxError(`expected an IPv4 address such as 10.0.0.1, got "${text}"`);
  return ip;
}

/** Formats an address as dotted-quad text. */
export function formatIPv4(ip: IPv4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}
