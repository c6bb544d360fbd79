import { cidrContains } from "../net/index.ts";
import { classifyAddress, type EvalContext, type NetfilterPacket, PROTO_OF } from "./context.ts";
import type { RecentTables } from "./recent.ts";
import { CT_STATE_BITS, type Match } from "./types.ts";

/** The mutable state one traversal threads through its matches. */
export interface MatchEnv {
  ctx: EvalContext;
  /** The packet's mark as MARK targets have left it so far. */
  mark: number;
  recent: RecentTables;
  /** Explain mode: no state may change (recent lists, nth counters). */
  readOnly: boolean;
}

/** A compiled match: true when the packet passes it. */
export type Test = (pkt: NetfilterPacket, env: MatchEnv) => boolean;

function ifaceTest(name: string, invert: boolean, dev: (env: MatchEnv) => string | undefined): Test {
  // why: a trailing "+" matches any interface with that prefix (ip_packet_match / ifname compare with mask).
  if (name.endsWith("+")) {
    const prefix = name.slice(0, -1);
    return (_p, env) => (dev(env) ?? "").startsWith(prefix) !== invert;
  }
  return (_p, env) => ((dev(env) ?? "") === name) !== invert;
}

function portTest(
  cond: { lo: number; hi: number; invert: boolean } | undefined,
  pick: "srcPort" | "dstPort",
): Test | undefined {
  if (!cond) return undefined;
  const { lo, hi, invert } = cond;
  return (p) => (p[pick] >= lo && p[pick] <= hi) !== invert;
}

function ctBits(env: MatchEnv, withNat: boolean): number {
  const ct = env.ctx.ct ?? { state: "NEW" };
  // why: xt_conntrack.c conntrack_mt — statebit from ctinfo; SNAT/DNAT bits
  // from IPS_SRC_NAT/IPS_DST_NAT only when a conntrack entry exists.
  let bits = CT_STATE_BITS[ct.state];
  if (withNat && ct.state !== "INVALID" && ct.state !== "UNTRACKED") {
    if (ct.snat) bits |= CT_STATE_BITS.SNAT;
    if (ct.dnat) bits |= CT_STATE_BITS.DNAT;
  }
  return bits;
}

function addrTypeTest(m: Match & { kind: "addrtype" }): Test {
  const dev = (env: MatchEnv) =>
    m.limitIfaceIn ? (env.ctx.inDev ?? "") : m.limitIfaceOut ? (env.ctx.outDev ?? "") : undefined;
  const type = (ip: number, env: MatchEnv) =>
    env.ctx.addrType ? env.ctx.addrType(ip, dev(env)) : classifyAddress(ip, env.ctx.localAddresses, dev(env));
  const { src, dst } = m;
  // why: xt_addrtype.c addrtype_mt_v1 — each side: !!(mask & 1 << type) ^ invert.
  return (p, env) =>
    (!src || ((src.types & (1 << type(p.src, env))) !== 0) !== src.invert) &&
    (!dst || ((dst.types & (1 << type(p.dst, env))) !== 0) !== dst.invert);
}

/**
 * Compiles one match into a test. `nth` holds the rule's `--mode nth`
 * counter, the per-rule state the kernel keeps in xt_statistic_priv.
 * Returns undefined for matches that always pass (comment, nfacct).
 */
export function compileMatch(m: Match, nth: { count: number }): Test | undefined {
  switch (m.kind) {
    case "source": {
      const { cidr, invert } = m;
      return (p) => cidrContains(cidr, p.src) !== invert;
    }
    case "destination": {
      const { cidr, invert } = m;
      return (p) => cidrContains(cidr, p.dst) !== invert;
    }
    case "inInterface":
      return ifaceTest(m.name, m.invert, (env) => env.ctx.inDev);
    case "outInterface":
      return ifaceTest(m.name, m.invert, (env) => env.ctx.outDev);
    case "protocol": {
      const { proto, invert } = m;
      if (proto === 0) return undefined;
      return (p) => (PROTO_OF[p.proto] === proto) !== invert;
    }
    case "tcp":
    case "udp":
    case "sctp": {
      const s = portTest(m.sport, "srcPort");
      const d = portTest(m.dport, "dstPort");
      if (s && d) return (p, env) => s(p, env) && d(p, env);
      return s ?? d;
    }
    case "multiport": {
      const { ports, direction, invert } = m;
      const inAny = (port: number) => ports.some((r) => port >= r.lo && port <= r.hi);
      if (direction === "sports") return (p) => inAny(p.srcPort) !== invert;
      if (direction === "dports") return (p) => inAny(p.dstPort) !== invert;
      return (p) => (inAny(p.srcPort) || inAny(p.dstPort)) !== invert;
    }
    case "comment":
    case "nfacct":
      return undefined;
    case "addrtype":
      return addrTypeTest(m);
    case "mark": {
      const { value, mask, invert } = m;
      // why: xt_mark.c mark_mt — ((skb->mark & mask) == mark) ^ invert.
      return (_p, env) => ((env.mark & mask) >>> 0 === value) !== invert;
    }
    case "statistic":
      if (m.mode === "random") {
        const { probability, invert } = m;
        // why: xt_statistic.c — (prandom_u32() & 0x7FFFFFFF) < probability.
        return (_p, env) => env.ctx.random() * 0x80000000 < probability !== invert;
      } else {
        const last = m.every - 1;
        const { invert } = m;
        // why: xt_statistic.c — count starts at every-1-packet; nval = count == every-1 ? 0 : count+1; match on 0.
        nth.count = last - m.packet;
        return () => {
          nth.count = nth.count === last ? 0 : nth.count + 1;
          return (nth.count === 0) !== invert;
        };
      }
    case "recent":
      return (p, env) => env.recent.match(m, m.side === "dest" ? p.dst : p.src, p.ttl ?? 64, env.ctx.now, env.readOnly);
    case "conntrack": {
      const { states, invert } = m;
      return (_p, env) => ((states & ctBits(env, true)) !== 0) !== invert;
    }
    case "state": {
      const { states, invert } = m;
      return (_p, env) => ((states & ctBits(env, false)) !== 0) !== invert;
    }
    case "set": {
      const { name, dirs, invert } = m;
      // why: a set the lookup does not know matches nothing (iptables would refuse to load the rule).
      return (p, env) => (env.ctx.ipset?.test(name, dirs, p) ?? false) !== invert;
    }
  }
}
