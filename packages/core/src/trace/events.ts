import type { Nanos } from "../engine/index.ts";

/** The netfilter hook points, in the kernel's names (include/uapi/linux/netfilter.h). */
export type Hook = "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";

/**
 * Why a packet died. A closed union: adding a reason is a compile error at
 * every `switch` that must handle it.
 */
export type DropReason =
  /** No route to the destination (no matching podCIDR or node). */
  | "no-route"
  /** Lost on a lossy link (the link's seeded loss stream). */
  | "link-loss"
  /** The link or the node at either end is down. */
  | "link-down"
  | "node-down"
  /** TTL reached zero while forwarding. */
  | "ttl-exceeded"
  /** A rule's DROP (or a chain policy of DROP). */
  | "rule-drop"
  /** A rule's REJECT: the packet is dropped and an ICMP error or RST is sent back. */
  | "rule-reject"
  /** kube-proxy's filter rules for a Service with no endpoints. */
  | "no-endpoints"
  /** kube-proxy's DROP for externalTrafficPolicy/internalTrafficPolicy Local with no local endpoint. */
  | "no-local-endpoints"
  /** `nf_conntrack: table full, dropping packet`. */
  | "conntrack-full"
  /** conntrack marked the packet INVALID and a rule dropped it. */
  | "conntrack-invalid"
  /** No free source port for SNAT/MASQUERADE. */
  | "snat-ports-exhausted"
  /** Source not in loadBalancerSourceRanges. */
  | "source-range"
  /** Arrived at a Pod or host with no socket for its port (UDP; TCP answers RST). */
  | "no-socket"
  /** Delivered to a Pod or host that no longer exists. */
  | "no-such-pod";

/** Every drop reason, in the union's order: the keys `metrics.drops` always has. */
export const DROP_REASONS = [
  "no-route",
  "link-loss",
  "link-down",
  "node-down",
  "ttl-exceeded",
  "rule-drop",
  "rule-reject",
  "no-endpoints",
  "no-local-endpoints",
  "conntrack-full",
  "conntrack-invalid",
  "snat-ports-exhausted",
  "source-range",
  "no-socket",
  "no-such-pod",
] as const satisfies readonly DropReason[];

// why: a reason added to the union but not to the list fails to compile here.
const everyReasonListed: Exclude<DropReason, (typeof DROP_REASONS)[number]> extends never ? true : never = true;
void everyReasonListed;

/** The tuple of a packet as it appears in a trace: text, so that traces read and diff well. */
export interface TracePacket {
  id: number;
  proto: string;
  src: string;
  dst: string;
  flags?: string;
  len: number;
  /** The PROXY v2 header the segment carries, as `client > frontend` (`ip:port` each). */
  proxy?: string;
}

interface Base {
  /** Simulated time in nanoseconds. */
  t: Nanos;
}

/** A packet leaves an endpoint (a Pod's socket, a host process, an external client). */
export interface PacketSent extends Base {
  type: "pkt.send";
  node: string;
  /** Who sent it: a Pod name, `host`, or an external client's name. */
  from: string;
  pkt: TracePacket;
}

/** A packet reaches an endpoint's socket layer. */
export interface PacketReceived extends Base {
  type: "pkt.recv";
  node: string;
  /** Who received it: a Pod name, `host`, or an external client's name. */
  at: string;
  pkt: TracePacket;
}

/** A packet is dropped. */
export interface PacketDropped extends Base {
  type: "pkt.drop";
  node: string;
  pkt: TracePacket;
  reason: DropReason;
  /** Where: a hook, a chain and rule, a link. */
  where?: string;
}

/** A routing decision on a node. */
export interface PacketRouted extends Base {
  type: "pkt.route";
  node: string;
  pkt: TracePacket;
  /** The output device: `eth0`, a Pod's veth such as `veth-web-1`, `lo`. */
  dev: string;
  /** Next hop, when not directly connected. */
  via?: string;
  /** Whether the packet is for this node (INPUT) or forwarded (FORWARD). */
  local: boolean;
}

/** A packet traverses a netfilter hook. */
export interface PacketHook extends Base {
  type: "pkt.hook";
  node: string;
  pkt: TracePacket;
  hook: Hook;
}

/** A netfilter rule matched (level `rule`). */
export interface RuleMatched extends Base {
  type: "nf.rule";
  node: string;
  pkt: TracePacket;
  table: string;
  chain: string;
  /** The rule as `iptables-save` prints it, or the chain policy. */
  rule: string;
  /** 1-based position in the chain (0 for the policy). */
  index: number;
}

/** A conntrack operation. */
export interface ConntrackEvent extends Base {
  type: "ct";
  node: string;
  pkt?: TracePacket;
  op: "new" | "confirm" | "hit" | "reply" | "update" | "destroy" | "expire" | "flush";
  /** The original-direction tuple. */
  tuple: string;
  /** The reply-direction tuple (after NAT). */
  reply?: string;
  state?: string;
  /** Seconds until the entry expires. */
  timeout?: number;
}

/** An address or port rewrite. */
export interface NatEvent extends Base {
  type: "nat";
  node: string;
  pkt: TracePacket;
  kind: "dnat" | "snat" | "masquerade" | "un-dnat" | "un-snat";
  /** `ip:port` before and after. */
  from: string;
  to: string;
}

/** A service dataplane chose a backend. */
export interface LoadBalancerPick extends Base {
  type: "lb.pick";
  node: string;
  pkt: TracePacket;
  /** `namespace/name:port`. */
  service: string;
  endpoint: string;
  /** How many endpoints it chose among. */
  candidates: number;
  /** The mechanism: `iptables-statistic`, `ipvs-rr`, `maglev`, `affinity`, … */
  via: string;
}

/** A cloud load balancer's health checks moved a target to another state. */
export interface LoadBalancerHealth extends Base {
  type: "lb.health";
  /** The load balancer. */
  node: string;
  /** `namespace/name` of the Service. */
  service: string;
  /** The target: a node name (instance mode) or a Pod's `ip:port` (IP mode). */
  target: string;
  /** What is checked: `HTTP 10.0.0.2:32000/healthz`, `TCP 10.244.1.5:8080`. */
  check: string;
  from: "initial" | "healthy" | "unhealthy";
  to: "healthy" | "unhealthy";
  /** The result of the check that decided it: an HTTP status, `connected`, `refused`, `timeout`, … */
  result: string;
}

/** A node's proxy applied a sync. */
export interface SyncApplied extends Base {
  type: "sync";
  node: string;
  proxy: string;
  full: boolean;
  services: number;
  endpoints: number;
  /** Dataplane entries rewritten by this sync (rules, map entries). */
  written: number;
}

/** A change to the API objects (intent), by the user's timeline or a controller. */
export interface ApiEvent extends Base {
  type: "api";
  verb: "create" | "update" | "delete";
  kind: string;
  /** `namespace/name`. */
  name: string;
  /** A short human note: `ready`, `terminating`, `scaled to 10`. */
  note?: string;
}

/** A timeline action or a scenario-level note. */
export interface ActionEvent extends Base {
  type: "action";
  action: string;
  detail?: string;
}

/**
 * A fault on a node: injected by the timeline (kube-proxy killed or
 * restarted, node down or up, a link changed, a Pod crashed, conntrack
 * flushed) or its consequence (the node lifecycle controller marking a
 * silent node's Pods not ready).
 */
export interface FaultEvent extends Base {
  type: "fault";
  /** The node it happened on (for a link, its first end). */
  node: string;
  fault:
    | "proxy-killed"
    | "proxy-restarted"
    | "node-down"
    | "node-up"
    | "node-not-ready"
    | "link"
    | "pod-crashed"
    | "conntrack-flush";
  /** What changed, for a reader: `3 Pods marked not ready`, `latency 50ms loss 0.1`. */
  detail?: string;
}

/** Every trace event. */
export type TraceEvent =
  | PacketSent
  | PacketReceived
  | PacketDropped
  | PacketRouted
  | PacketHook
  | RuleMatched
  | ConntrackEvent
  | NatEvent
  | LoadBalancerPick
  | LoadBalancerHealth
  | SyncApplied
  | ApiEvent
  | ActionEvent
  | FaultEvent;

export type TraceEventType = TraceEvent["type"];

/**
 * Trace levels: `off` records nothing; `flow` records what changes a flow's
 * fate (drops, backend picks, syncs, API changes, actions); `packet` adds
 * every hop of every packet; `rule` adds each matching netfilter rule.
 */
export type TraceLevel = "off" | "flow" | "packet" | "rule";

/** Levels as numbers, for one comparison on the hot path. */
export const LEVEL_RANK: Record<TraceLevel, number> = { off: 0, flow: 1, packet: 2, rule: 3 };

/** The lowest level at which each event kind is recorded. */
export const EVENT_LEVEL: Record<TraceEventType, number> = {
  "pkt.drop": 1,
  "lb.pick": 1,
  "lb.health": 1,
  sync: 1,
  api: 1,
  action: 1,
  fault: 1,
  "pkt.send": 2,
  "pkt.recv": 2,
  "pkt.route": 2,
  "pkt.hook": 2,
  ct: 2,
  nat: 2,
  "nf.rule": 3,
};

/** Exhaustiveness guard for `switch` over a closed union. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
