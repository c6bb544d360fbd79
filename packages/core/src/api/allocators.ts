/**
 * ClusterIP and NodePort allocators, shaped like the API server's
 * (kubernetes pkg/registry/core/service/ipallocator and portallocator).
 *
 * The real allocators split each range into a small *static* band at the
 * bottom (`calculateRangeOffset`: min(max(16, size/16), 256) addresses for
 * IPs, min(max(16, size/32), 128) ports) and pick dynamic values at random,
 * trying the upper band first, so that addresses users hard-code (kube-dns's
 * 10.96.0.10) rarely collide with allocated ones. svcsim keeps the bands and
 * the upper-band-first order but hands values out sequentially from the
 * lowest free one: deterministic, and as collision-free as the real thing.
 */
import {
  type Cidr,
  cidrAt,
  cidrContains,
  cidrSize,
  formatCidr,
  formatIPv4,
  type IPv4,
  parseCidr,
  tryParseIPv4,
} from "../net/index.ts";

/** The API server's static-band size for a range (ipallocator / portallocator calculateRangeOffset). */
export function staticBandSize(size: number, step: number, max: number): number {
  if (size <= 16) return 0;
  return Math.min(Math.max(16, Math.floor(size / step)), max);
}

/** Sequential first-free allocation over offsets [0, count), upper band [band, count) first. */
class BandedBitmap {
  private readonly owners = new Map<number, string>();
  private upperCursor: number;
  private lowerCursor = 0;

  constructor(
    readonly count: number,
    readonly band: number,
  ) {
    this.upperCursor = band;
  }

  ownerOf(offset: number): string | undefined {
    return this.owners.get(offset);
  }

  take(offset: number, owner: string): void {
    this.owners.set(offset, owner);
  }

  next(owner: string): number | undefined {
    while (this.upperCursor < this.count && this.owners.has(this.upperCursor)) this.upperCursor++;
    if (this.upperCursor < this.count) return this.claim(this.upperCursor, owner);
    while (this.lowerCursor < this.band && this.owners.has(this.lowerCursor)) this.lowerCursor++;
    if (this.lowerCursor < this.band) return this.claim(this.lowerCursor, owner);
    return undefined;
  }

  release(offset: number): void {
    this.owners.delete(offset);
    if (offset >= this.band) this.upperCursor = Math.min(this.upperCursor, offset);
    else this.lowerCursor = Math.min(this.lowerCursor, offset);
  }

  private claim(offset: number, owner: string): number {
    this.owners.set(offset, owner);
    return offset;
  }
}

/** The outcome of asking for a specific value: ok, or why not. */
export type Reservation = { ok: true } | { ok: false; message: string };

/**
 * Service ClusterIPs from the service CIDR. The network and broadcast
 * addresses are never handed out (ipallocator.Range omits both).
 */
export class ClusterIPAllocator {
  readonly cidr: Cidr;
  private readonly bitmap: BandedBitmap;

  constructor(serviceCIDR: string) {
    this.cidr = parseCidr(serviceCIDR);
    const size = cidrSize(this.cidr);
    this.bitmap = new BandedBitmap(Math.max(0, size - 2), staticBandSize(size, 16, 256));
  }

  private offsetOf(ip: IPv4): number | undefined {
    if (!cidrContains(this.cidr, ip)) return undefined;
    const offset = ip - this.cidr.base - 1;
    return offset >= 0 && offset < this.bitmap.count ? offset : undefined;
  }

  /** Reserves a requested address for `owner` (a text naming the object and field). */
  reserve(text: string, owner: string): Reservation {
    const ip = tryParseIPv4(text);
    const offset = ip === undefined ? undefined : this.offsetOf(ip);
    if (offset === undefined) {
      return {
        ok: false,
        message: `${text} is not in the valid range: the service CIDR is ${formatCidr(this.cidr)} (network and broadcast addresses excluded)`,
      };
    }
    const holder = this.bitmap.ownerOf(offset);
    if (holder !== undefined && holder !== owner)
      return { ok: false, message: `${text} is already allocated to ${holder}` };
    this.bitmap.take(offset, owner);
    return { ok: true };
  }

  /** The next free address, or undefined when the CIDR is full. */
  allocate(owner: string): string | undefined {
    const offset = this.bitmap.next(owner);
    return offset === undefined ? undefined : formatIPv4(cidrAt(this.cidr, offset + 1));
  }

  /** Frees an address (a deleted Service). */
  release(text: string): void {
    const ip = tryParseIPv4(text);
    const offset = ip === undefined ? undefined : this.offsetOf(ip);
    if (offset !== undefined) this.bitmap.release(offset);
  }
}

/** NodePorts (and health-check NodePorts) from the NodePort range, inclusive. */
export class NodePortAllocator {
  private readonly bitmap: BandedBitmap;

  constructor(readonly range: readonly [number, number]) {
    const size = range[1] - range[0] + 1;
    if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`invalid NodePort range ${range[0]}-${range[1]}`);
    this.bitmap = new BandedBitmap(size, staticBandSize(size, 32, 128));
  }

  /** Reserves a requested port for `owner`. */
  reserve(port: number, owner: string): Reservation {
    const [lo, hi] = this.range;
    if (!(port >= lo && port <= hi))
      return { ok: false, message: `${port} is not in the valid range: the NodePort range is ${lo}-${hi}` };
    const holder = this.bitmap.ownerOf(port - lo);
    if (holder !== undefined && holder !== owner)
      return { ok: false, message: `${port} is already allocated to ${holder}` };
    this.bitmap.take(port - lo, owner);
    return { ok: true };
  }

  /** The next free port, or undefined when the range is full. */
  allocate(owner: string): number | undefined {
    const offset = this.bitmap.next(owner);
    return offset === undefined ? undefined : this.range[0] + offset;
  }

  /** Frees a port. */
  release(port: number): void {
    if (port >= this.range[0] && port <= this.range[1]) this.bitmap.release(port - this.range[0]);
  }
}
