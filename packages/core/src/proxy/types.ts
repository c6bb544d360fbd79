import type { EndpointSlice, Service } from "../api/index.ts";
import type { Nanos } from "../engine/index.ts";
import type { Packet } from "../net/index.ts";
import type { DropReason, Hook } from "../trace/index.ts";

/** The proxy modes svcsim models. */
export type ProxyMode = "passthrough" | "iptables" | "ipvs" | "nftables" | "ebpf";

/**
 * What one node's proxy has seen of the API: the Services and EndpointSlices
 * as they were when its watch last delivered them. This is the node's
 * *reality*, which may lag the API server's *intent*.
 */
export interface ProxyView {
  /** Keyed `namespace/name`, iterated in key order by consumers that print. */
  readonly services: ReadonlyMap<string, Service>;
  /** Keyed `namespace/name`. */
  readonly endpointSlices: ReadonlyMap<string, EndpointSlice>;
}

/** What a sync did, for the trace and the rules-rewritten counters. */
export interface SyncStats {
  services: number;
  endpoints: number;
  /** Dataplane entries written (iptables rules, map entries). */
  written: number;
}

/** The node facts a packet's processing may need. */
export interface PacketContext {
  readonly now: Nanos;
  readonly node: string;
  /** Input device (`eth0`, a Pod veth) or undefined for locally generated packets. */
  readonly inDev?: string;
  /** Output device, known from POSTROUTING on. */
  readonly outDev?: string;
}

/** One packet's fate at one hook, as data; the node applies it. */
export type HookVerdict =
  | { kind: "accept" }
  | { kind: "drop"; reason: DropReason; where?: string }
  /** Drop and answer: ICMP port unreachable, or a TCP RST (`--reject-with tcp-reset`). */
  | { kind: "reject"; reason: DropReason; with: "icmp-port-unreachable" | "tcp-reset"; where?: string };

/**
 * A service proxy: programs a dataplane from what its node has seen, and
 * processes packets at the netfilter hooks. Every mode implements this one
 * interface; modes never import each other.
 */
export interface ServiceProxy {
  readonly mode: ProxyMode;
  /** Programs the dataplane from the node's current view. */
  sync(view: ProxyView, full: boolean, now: Nanos): SyncStats;
  /** Processes one packet at one hook. May rewrite the packet (NAT, mark). */
  process(hook: Hook, pkt: Packet, ctx: PacketContext): HookVerdict;
}

/** The verdict every hook returns when nothing intervenes. */
export const ACCEPT: HookVerdict = Object.freeze({ kind: "accept" });
