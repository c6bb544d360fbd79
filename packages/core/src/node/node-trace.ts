import type { Scheduler } from "../engine/index.ts";
import { formatIPv4, type Packet, type Route } from "../net/index.ts";
import { type DropReason, type Hook, type TraceRecorder, tracePacket } from "../trace/index.ts";

/**
 * A node's trace emitter. Which kinds are wanted is read once, so the packet
 * path pays one boolean test per event and builds no strings or objects for
 * kinds the recorder's level leaves out.
 */
export class NodeTrace {
  private readonly wantSend: boolean;
  private readonly wantRecv: boolean;
  private readonly wantDrop: boolean;
  private readonly wantRoute: boolean;
  private readonly wantHook: boolean;

  constructor(
    private readonly tracer: TraceRecorder,
    private readonly sched: Scheduler,
    readonly node: string,
  ) {
    this.wantSend = tracer.wants("pkt.send");
    this.wantRecv = tracer.wants("pkt.recv");
    this.wantDrop = tracer.wants("pkt.drop");
    this.wantRoute = tracer.wants("pkt.route");
    this.wantHook = tracer.wants("pkt.hook");
  }

  /** A packet left an endpoint on this node (`from`: a Pod name or `host`). */
  send(pkt: Packet, from: string): void {
    this.tracer.stats.countSent(from, pkt.length);
    if (!this.wantSend) return;
    this.tracer.emit({ type: "pkt.send", t: this.sched.now, node: this.node, from, pkt: tracePacket(pkt) });
  }

  /** A packet reached a socket on this node (`at`: a Pod name or `host`). */
  recv(pkt: Packet, at: string): void {
    this.tracer.stats.countReceived(at, pkt.length);
    if (!this.wantRecv) return;
    this.tracer.emit({ type: "pkt.recv", t: this.sched.now, node: this.node, at, pkt: tracePacket(pkt) });
  }

  /** A packet died on this node. */
  drop(pkt: Packet, reason: DropReason, where?: string): void {
    this.tracer.stats.countDrop(reason);
    if (!this.wantDrop) return;
    const event = { type: "pkt.drop" as const, t: this.sched.now, node: this.node, pkt: tracePacket(pkt), reason };
    this.tracer.emit(where === undefined ? event : { ...event, where });
  }

  /** A routing decision. */
  route(pkt: Packet, route: Route): void {
    if (!this.wantRoute) return;
    const base = {
      type: "pkt.route" as const,
      t: this.sched.now,
      node: this.node,
      pkt: tracePacket(pkt),
      dev: route.dev,
      local: route.kind === "local",
    };
    this.tracer.emit(route.via === undefined ? base : { ...base, via: formatIPv4(route.via) });
  }

  /** A packet enters a netfilter hook. */
  hook(pkt: Packet, hook: Hook): void {
    if (!this.wantHook) return;
    this.tracer.emit({ type: "pkt.hook", t: this.sched.now, node: this.node, pkt: tracePacket(pkt), hook });
  }
}
