/**
 * Runs one generated cluster against the kernel: loads svcsim's
 * `iptables-save` of the node into the node namespace, sends the cluster's
 * probes in rounds, and compares each kernel fate with svcsim's fates for the
 * same packet (see `groups.ts` for when a group is sent again).
 */
import { ms } from "../../src/engine/index.ts";
import { parseIPv4 } from "../../src/net/index.ts";
import { type CompiledRuleset, compileRuleset, parseIptablesSave } from "../../src/netfilter/index.ts";
import { IptablesProgrammer } from "../../src/proxy/index.ts";
import { view } from "../proxy/fixtures.ts";
import { Agent, type WireProbe } from "./agent-client.ts";
import type { BuiltCluster } from "./cluster.ts";
import { flushConntrack, listConntrack, tupleKey } from "./conntrack.ts";
import { type Group, makeGroups, moreSends, packetOf, predictGroup, recentClaim } from "./groups.ts";
import { type Observed, observe } from "./observe.ts";
import { fateKey, PREDICT_NOW, type PredictedFate, type ProbePacket, recentSets } from "./predict.ts";
import { IPTABLES_RESTORE, inNs, NODE_ADDRESSES, type Side, type Topology } from "./topology.ts";

/** A probe whose kernel fate is not one of svcsim's, or a group whose sends missed a predicted fate. */
export interface Disagreement {
  readonly what: string;
  readonly probe: ProbePacket;
  readonly predicted: readonly PredictedFate[];
  readonly observed: readonly Observed[];
  readonly reason: string;
}

/** What one cluster's run did. */
export interface ClusterResult {
  readonly save: string;
  readonly probes: number;
  readonly rounds: number;
  readonly groups: number;
  /** Groups whose repeated sends had to reach more than one fate. */
  readonly coverageGroups: number;
  /** Groups whose paths set `-m recent` lists (ClientIP affinity), re-sent to check stickiness. */
  readonly affinityGroups: number;
  readonly disagreements: Disagreement[];
}

/** How long a sender waits for an answer; a disagreeing silence is re-sent with the slow one. */
const FAST_TIMEOUT_MS = 200;
const SLOW_TIMEOUT_MS = 2000;
const MAX_ROUNDS = 40;

const NODE_ADDRESS_SET = new Set<string>(NODE_ADDRESSES);
const isNodeAddress = (ip: string) => NODE_ADDRESS_SET.has(ip) || ip.startsWith("127.");

/**
 * Clears every `-m recent` list. Replacing the ruleset does not: xt_recent
 * frees a list only when no rule uses it, and the new rules take the list of
 * the same name before the old ones let go, so its entries survive (seen with
 * iptables-nft 1.8.9 on Linux 6.18).
 */
const CLEAR_RECENT = 'for f in /proc/net/xt_recent/*; do [ -e "$f" ] && echo / > "$f"; done; true';

interface Send {
  readonly group: Group;
  readonly packet: ProbePacket;
  readonly fates: PredictedFate[];
}

/** The agents of a topology and the state that outlives one cluster (source ports). */
export class KernelHarness {
  private readonly agents: Record<Side, Agent>;
  private nextPort = 40000;
  private nextId = 1;

  constructor(readonly topology: Topology) {
    this.agents = {
      node: new Agent(topology.ns.node),
      client: new Agent(topology.ns.client),
      pods: new Agent(topology.ns.pods),
    };
  }

  /** Stops the agents. */
  close(): void {
    for (const a of Object.values(this.agents)) a.close();
  }

  private port(): number {
    const p = this.nextPort;
    this.nextPort = p >= 59999 ? 40000 : p + 1;
    return p;
  }

  /** Programs svcsim's node from the cluster and renders its `iptables-save`. */
  static render(c: BuiltCluster): string {
    const p = new IptablesProgrammer(c.config);
    p.sync(view(c.services, c.slices), true, ms(0));
    return p.iptablesSave();
  }

  /**
   * Loads the cluster into the kernel, probes it and compares. `model`, for
   * the harness's own test, changes the ruleset svcsim reads (the kernel
   * still gets the real one).
   */
  async run(c: BuiltCluster, model: (save: string) => string = (x) => x): Promise<ClusterResult> {
    const save = KernelHarness.render(c);
    const nodeNs = this.topology.ns.node;
    inNs(nodeNs, IPTABLES_RESTORE, [], save);
    inNs(nodeNs, "sh", ["-c", CLEAR_RECENT]);
    const rs = compileRuleset(parseIptablesSave(model(save)));
    const listen = (proto: string) => [
      ...new Set(c.targets.filter((t) => t.proto === proto && isNodeAddress(t.dst)).map((t) => t.dport)),
    ];
    await this.agents.node.listen(listen("tcp"), listen("udp"), NODE_ADDRESSES);
    const groups = makeGroups(c.targets);
    const disagreements: Disagreement[] = [];
    let queue = groups.map((g) => ({ group: g, count: 1 }));
    let probes = 0;
    let rounds = 0;
    const coverage = new Set<Group>();
    while (queue.length > 0 && rounds < MAX_ROUNDS) {
      rounds++;
      const { batch, deferred } = this.pick(rs, queue);
      probes += await this.round(rs, batch, disagreements);
      queue = [...deferred];
      for (const g of groups) {
        const n = moreSends(rs, g, predictGroup(rs, g));
        if (n > 0 && !g.affinity) coverage.add(g);
        if (n > 0 && !deferred.some((d) => d.group === g)) queue.push({ group: g, count: n });
      }
    }
    if (queue.length > 0) throw new Error(`probe rounds exhausted (${MAX_ROUNDS}) with ${queue.length} groups pending`);
    for (const g of coverage) this.checkCoverage(rs, g, disagreements);
    const affinityGroups = groups.filter((g) => g.affinity).length;
    return {
      save,
      probes,
      rounds,
      groups: groups.length,
      coverageGroups: coverage.size,
      affinityGroups,
      disagreements,
    };
  }

  /** Sends one round and judges it; returns the number of packets sent. */
  private async round(rs: CompiledRuleset, batch: readonly Send[], out: Disagreement[]): Promise<number> {
    const observed = await this.send(batch, FAST_TIMEOUT_MS);
    const slow = batch.filter((s, i) => {
      const o = observed[i] as Observed;
      return !this.judge(rs, s, [o], out, o.kind === "drop");
    });
    if (slow.length === 0) return batch.length;
    // A silence may be a REJECT whose ICMP came late: send those packets again, slowly.
    const again = slow.map((s) => ({ ...s, packet: packetOf(s.group, this.port()), fates: predictGroup(rs, s.group) }));
    const late = await this.send(again, SLOW_TIMEOUT_MS);
    again.forEach((s, i) => {
      this.judge(rs, s, [late[i] as Observed], out, false);
    });
    return batch.length + again.length;
  }

  /** Chooses this round's sends: every pending send, except affinity sends that would race. */
  private pick(rs: CompiledRuleset, queue: readonly { group: Group; count: number }[]) {
    const claims = new Map<string, boolean>();
    const batch: Send[] = [];
    const deferred: { group: Group; count: number }[] = [];
    for (const q of queue) {
      const fates = predictGroup(rs, q.group);
      const claim = recentClaim(rs, q.group, fates);
      if (claim) {
        const held = claims.get(claim.key);
        if (held === false || (held === true && !claim.decided)) {
          deferred.push(q);
          continue;
        }
        claims.set(claim.key, claim.decided);
      }
      const n = claim && !claim.decided ? 1 : q.count;
      for (let i = 0; i < n; i++) batch.push({ group: q.group, packet: packetOf(q.group, this.port()), fates });
      q.group.sent += n;
    }
    return { batch, deferred };
  }

  /** Sends packets from their namespaces at once and reads the kernel's fate of each. */
  private async send(sends: readonly Send[], timeoutMs: number): Promise<Observed[]> {
    const nodeNs = this.topology.ns.node;
    flushConntrack(nodeNs);
    const wire = sends.map((s) => ({ ...s.packet, id: this.nextId++, side: s.group.side }));
    const bySide = (side: Side) =>
      wire.filter((p) => p.side === side).map(({ fromNode: _f, side: _s, ...w }): WireProbe => w);
    const results = await Promise.all(
      (["node", "client", "pods"] as const).map((side) => this.agents[side].probe(bySide(side), timeoutMs)),
    );
    const sender = new Map(results.flat().map((r) => [r.id, r]));
    const table = listConntrack(nodeNs);
    return wire.map((p) => {
      const r = sender.get(p.id) ?? { id: p.id, outcome: "error" as const, code: "no result" };
      const entry = table.get(tupleKey(p.proto, { src: p.src, dst: p.dst, sport: p.sport, dport: p.dport }));
      return observe(p, entry, r, isNodeAddress);
    });
  }

  /**
   * Compares one send. A kernel fate among svcsim's is recorded (and the
   * `-m recent` lists updated as the kernel's path did); otherwise a
   * disagreement is recorded, unless `retry` asks for a slow second send.
   * Returns false when the send must be retried.
   */
  private judge(rs: CompiledRuleset, s: Send, o: Observed[], out: Disagreement[], retry: boolean): boolean {
    const obs = o[0] as Observed;
    const key = fateKey(obs);
    const match = s.fates.find((f) => fateKey(f) === key);
    if (!match) {
      if (retry) return false;
      const reason = `the kernel's fate "${key}" is not among svcsim's`;
      out.push({ what: s.group.target.what, probe: s.packet, predicted: s.fates, observed: o, reason });
      return true;
    }
    s.group.seen.add(key);
    const src = parseIPv4(s.packet.src);
    const dst = parseIPv4(s.packet.dst);
    for (const m of recentSets(match)) rs.recent.match(m, m.side === "dest" ? dst : src, 64, PREDICT_NOW, false);
    return true;
  }

  private checkCoverage(rs: CompiledRuleset, g: Group, out: Disagreement[]): void {
    const fates = predictGroup(rs, g);
    const missing = [...new Set(fates.map(fateKey))].filter((k) => !g.seen.has(k));
    if (missing.length === 0) return;
    out.push({
      what: g.target.what,
      probe: packetOf(g, 0),
      predicted: fates,
      observed: [],
      reason: `after ${g.sent} sends the kernel never chose ${missing.map((m) => `"${m}"`).join(", ")} (chose ${[...g.seen].map((m) => `"${m}"`).join(", ")})`,
    });
  }
}
