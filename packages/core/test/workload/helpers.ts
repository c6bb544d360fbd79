import { type Nanos, Rng, Scheduler, us } from "../../src/engine/index.ts";
import { formatTcpFlags, NetNamespace, type Packet, PacketIds, parseIPv4 } from "../../src/net/index.ts";

export const CLIENT_IP = parseIPv4("10.244.1.2");
export const SERVER_IP = parseIPv4("10.244.2.2");

/** What the wire does with a packet: deliver it, or drop it. */
export type WireFilter = (pkt: Packet, index: number) => "deliver" | "drop";

/** One packet seen on the wire: when, which way, and its TCP fields. */
export interface WireRecord {
  t: number;
  dir: ">" | "<";
  flags: string;
  seq?: number;
  ack?: number;
  len: number;
  data: number;
  dropped: boolean;
  pkt: Packet;
}

/**
 * Two namespaces (a client and a server Pod) joined by a wire with a fixed
 * one-way latency: every packet each sends is recorded and, unless the
 * filter drops it, delivered to the other after `latency`.
 */
export function wire(
  options: { latency?: Nanos; seed?: number; filter?: WireFilter; portRange?: { low: number; high: number } } = {},
) {
  const sched = new Scheduler();
  const rng = new Rng(options.seed ?? 1);
  const ids = new PacketIds();
  const latency = options.latency ?? us(100);
  const log: WireRecord[] = [];
  let index = 0;
  const nets: NetNamespace[] = [];
  const carry = (from: 0 | 1) => (pkt: Packet) => {
    const dropped = options.filter?.(pkt, index++) === "drop";
    log.push({
      t: sched.now,
      dir: from === 0 ? ">" : "<",
      flags: formatTcpFlags(pkt.flags),
      seq: pkt.tcp?.seq,
      ack: pkt.tcp?.ack,
      len: pkt.length,
      data: pkt.tcp?.dataBytes ?? 0,
      dropped,
      pkt,
    });
    if (dropped) return;
    sched.after(latency, () => nets[from === 0 ? 1 : 0]?.deliver(pkt), "wire");
  };
  const client = new NetNamespace({
    name: "client",
    ips: [CLIENT_IP],
    sched,
    rng,
    ids,
    egress: carry(0),
    portRange: options.portRange,
  });
  const server = new NetNamespace({ name: "server", ips: [SERVER_IP], sched, rng, ids, egress: carry(1) });
  nets.push(client, server);
  return { sched, rng, ids, client, server, log };
}

/** The wire log as compact lines, seq/ack relative to each side's first SYN. */
export function describe(log: readonly WireRecord[]): string[] {
  return log.map((r) => `${r.t} ${r.dir} ${r.flags} data=${r.data}${r.dropped ? " DROPPED" : ""}`);
}
