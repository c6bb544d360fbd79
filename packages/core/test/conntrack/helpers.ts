import type { Nanos } from "../../src/engine/index.ts";
import { makePacket, type Packet, type PacketInit, parseIPv4, TCP } from "../../src/net/index.ts";

/** A settable clock for tables built without a scheduler. */
export class TestClock {
  now = 0 as Nanos;
  /** Advances by whole (or fractional) seconds. */
  advance(seconds: number): void {
    this.now = (this.now + Math.round(seconds * 1e9)) as Nanos;
  }
}

let nextId = 1;

/** A packet from "ip:port" to "ip:port". */
export function pkt(
  proto: PacketInit["proto"],
  from: string,
  to: string,
  flags = 0,
  extra: Partial<PacketInit> = {},
): Packet {
  const [src, sport] = from.split(":");
  const [dst, dport] = to.split(":");
  return makePacket(nextId++, {
    proto,
    src: parseIPv4(src as string),
    dst: parseIPv4(dst as string),
    srcPort: sport === undefined ? 0 : Number(sport),
    dstPort: dport === undefined ? 0 : Number(dport),
    flags,
    ...extra,
  });
}

export const tcp = (from: string, to: string, flags: number) => pkt("TCP", from, to, flags);
export const udp = (from: string, to: string) => pkt("UDP", from, to);

export const SYN = TCP.SYN;
export const SYNACK = TCP.SYN | TCP.ACK;
export const ACK = TCP.ACK;
export const PSHACK = TCP.PSH | TCP.ACK;
export const FINACK = TCP.FIN | TCP.ACK;
export const RST = TCP.RST;
export const RSTACK = TCP.RST | TCP.ACK;

export const ip = parseIPv4;
