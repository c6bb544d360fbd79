import { Rng, Scheduler } from "../../src/engine/index.ts";
import { type Packet, parseIPv4 } from "../../src/net/index.ts";
import { Network, type NetworkOptions } from "../../src/node/index.ts";
import type { HookVerdict, PacketContext, ServiceProxy } from "../../src/proxy/index.ts";
import { ACCEPT } from "../../src/proxy/index.ts";
import { type Hook, type TraceEvent, TraceRecorder } from "../../src/trace/index.ts";

export const ip = parseIPv4;

/** A two-node cluster: node-a (10.0.0.1, 10.244.1.0/24, pods a1, a2) and node-b (10.0.0.2, 10.244.2.0/24, pod b1). */
export function cluster(options: Partial<NetworkOptions> = {}, seed = 1) {
  const sched = new Scheduler();
  const tracer = new TraceRecorder("packet");
  const net = new Network({ scheduler: sched, rng: new Rng(seed), tracer, ...options });
  const nodeA = net.addNode({ name: "node-a", ip: "10.0.0.1", podCidr: "10.244.1.0/24", zone: "z1" });
  const nodeB = net.addNode({ name: "node-b", ip: "10.0.0.2", podCidr: "10.244.2.0/24", zone: "z1" });
  const a1 = net.attachPod("node-a", "a1", "10.244.1.2");
  const a2 = net.attachPod("node-a", "a2", "10.244.1.3");
  const b1 = net.attachPod("node-b", "b1", "10.244.2.2");
  return { sched, tracer, net, nodeA, nodeB, a1, a2, b1 };
}

/** `node:HOOK` for every pkt.hook event of one packet, in order. */
export function hooksOf(events: readonly TraceEvent[], id: number): string[] {
  return events.flatMap((e) => (e.type === "pkt.hook" && e.pkt.id === id ? [`${e.node}:${e.hook}`] : []));
}

/** Every event of a type. */
export function ofType<T extends TraceEvent["type"]>(events: readonly TraceEvent[], type: T) {
  return events.filter((e): e is Extract<TraceEvent, { type: T }> => e.type === type);
}

/** A proxy that applies `fn` at every hook and records what it saw. */
export class ScriptedProxy implements ServiceProxy {
  readonly mode = "passthrough" as const;
  readonly seen: { hook: Hook; id: number; inDev?: string; outDev?: string }[] = [];
  constructor(private readonly fn: (hook: Hook, pkt: Packet, ctx: PacketContext) => HookVerdict = () => ACCEPT) {}
  sync() {
    return { services: 0, endpoints: 0, written: 0 };
  }
  process(hook: Hook, pkt: Packet, ctx: PacketContext): HookVerdict {
    this.seen.push({ hook, id: pkt.id, inDev: ctx.inDev, outDev: ctx.outDev });
    return this.fn(hook, pkt, ctx);
  }
}
