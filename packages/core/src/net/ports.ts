import type { RandomStream } from "../engine/index.ts";

/**
 * Linux's default ephemeral range, net.ipv4.ip_local_port_range = "32768 60999"
 * (Documentation/networking/ip-sysctl.rst).
 */
export const EPHEMERAL_PORT_RANGE = { low: 32768, high: 60999 } as const;

/**
 * Picks ephemeral ports the way `connect()` does (__inet_hash_connect,
 * net/ipv4/inet_hashtables.c): start at a random offset, walk the range in
 * steps of 2 over ports of the low end's parity first (even ports, since
 * 32768 is even; `bind(0)` prefers the other parity), then the other parity,
 * skipping ports in use; after a success the offset advances by the distance
 * walked + 2, so consecutive connects get consecutive even ports.
 *
 * Simplified: the kernel keys its offset on a SipHash of (saddr, daddr, dport)
 * plus a random perturbation table; here one seeded offset per namespace
 * stands for both, drawn once from the namespace's port stream.
 */
export class EphemeralPorts {
  private readonly low: number;
  private readonly remaining: number;
  private hint: number;

  constructor(stream: RandomStream, range: { low: number; high: number } = EPHEMERAL_PORT_RANGE) {
    if (!(range.low >= 1 && range.high <= 65535 && range.low <= range.high)) {
      throw new RangeError(`bad ephemeral port range ${range.low}-${range.high}`);
    }
    this.low = range.low;
    const size = range.high + 1 - range.low;
    // why: the kernel rounds the range size down to even so parity passes stay aligned.
    this.remaining = size > 1 ? size & ~1 : size;
    this.hint = stream.int(this.remaining);
  }

  /** A port for which `inUse` is false, or undefined when there is none (connect's EADDRNOTAVAIL). */
  next(inUse: (port: number) => boolean): number | undefined {
    const remaining = this.remaining;
    let offset = (this.hint % remaining) & ~1;
    for (let pass = 0; pass < 2; pass++) {
      let port = this.low + offset;
      for (let i = 0; i < remaining; i += 2, port += 2) {
        if (port >= this.low + remaining) port -= remaining;
        if (!inUse(port)) {
          this.hint += i + 2;
          return port;
        }
      }
      offset++;
      if (remaining <= 1) break;
    }
    return undefined;
  }
}
