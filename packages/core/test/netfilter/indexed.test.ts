import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStream, s } from "../../src/engine/index.ts";
import { parseIPv4 } from "../../src/net/index.ts";
import {
  type CompiledRuleset,
  compileRuleset,
  type EvalContext,
  evaluateTable,
  evaluateTableIndexed,
  evaluateTableLinear,
  parseIptablesSave,
  RecentTables,
  ruleGuard,
  type TableResult,
} from "../../src/netfilter/index.ts";
import { ctx, rules, tcp } from "./helpers.ts";
import { natRuleset, type PacketCase, packetCase } from "./random-rules.ts";

const LOCAL = new Set([parseIPv4("192.168.0.2")]);

/** Runs packets through one compiled copy; returns every result, the draws taken, and the state left behind. */
function run(text: string, cases: readonly PacketCase[], seed: number, indexed: boolean) {
  const compiled = compileRuleset(parseIptablesSave(text), new RecentTables(), {
    index: indexed,
    indexMinRules: 1,
  });
  const stream = new RandomStream(seed, "test/netfilter/indexed");
  const draws: number[] = [];
  const random = () => {
    const u = stream.next();
    draws.push(u);
    return u;
  };
  const results: TableResult[] = [];
  cases.forEach((c, k) => {
    const context: EvalContext = { now: s(k), ct: c.ct, localAddresses: LOCAL, random };
    const pkt = { ...c.pkt };
    const walk = indexed ? evaluateTableIndexed : evaluateTableLinear;
    results.push(walk(compiled, "nat", c.hook, pkt, context));
    results.push(walk(compiled, "nat", c.hook, pkt, context, { record: false, counters: false }));
  });
  return { compiled, results, draws, state: kernelState(compiled) };
}

/** What a walk leaves in the kernel: counters (in the ruleset), nth counters, recent lists. */
function kernelState(c: CompiledRuleset) {
  const nth = [...(c.tables.get("nat")?.chains.values() ?? [])].flatMap((ch) => ch.rules.map((r) => r.nth.count));
  return { ruleset: c.ruleset, nth, recent: c.recent.names().map((n) => c.recent.entries(n)) };
}

describe("indexed evaluation agrees with the linear walk", () => {
  it("on random kube-proxy-shaped rulesets with arbitrary rules interleaved (property)", () => {
    fc.assert(
      fc.property(natRuleset, fc.array(packetCase, { minLength: 1, maxLength: 8 }), fc.nat(), (text, cases, seed) => {
        const linear = run(text, cases, seed, false);
        const indexed = run(text, cases, seed, true);
        // The random stream must be consumed identically: same draws, same order.
        expect(indexed.draws).toEqual(linear.draws);
        expect(indexed.results).toEqual(linear.results);
        expect(indexed.state).toEqual(linear.state);
        expect(indexed.compiled.tables.get("nat")?.chains.get("KUBE-SERVICES")?.index).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it("counts every KUBE-SERVICES rule before the match, as the kernel's walk tests each in turn", () => {
    // kube-proxy's KUBE-SERVICES: one `-d clusterIP -p tcp --dport` rule per service port, in order.
    const lines = ["-A PREROUTING -j KUBE-SERVICES"];
    for (let i = 0; i < 200; i++) {
      lines.push(`-A KUBE-SERVICES -d 172.30.${i >> 8}.${i & 255}/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-${i}`);
      lines.push(`-A KUBE-SVC-${i} -j DNAT --to-destination 10.1.${i >> 8}.${i & 255}`);
    }
    lines.push("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j ACCEPT");
    const rs = rules("nat", lines);
    const hit = evaluateTable(rs, "nat", "PREROUTING", tcp("10.0.0.2", "172.30.0.57", 80), ctx());
    expect(rs.tables.get("nat")?.chains.get("KUBE-SERVICES")?.index).toBeDefined();
    // why: ipt_do_table tests rules 1..58 of KUBE-SERVICES (the 58th, 172.30.0.57, matches), then
    // the one DNAT rule of KUBE-SVC-57; plus the PREROUTING jump.
    expect(hit.rulesEvaluatedByChain).toEqual([
      ["PREROUTING", 1],
      ["KUBE-SERVICES", 58],
      ["KUBE-SVC-57", 1],
    ]);
    expect(hit.rulesEvaluated).toBe(60);
    // A miss tests all 201 rules of KUBE-SERVICES, returns, and ends on PREROUTING's policy.
    const miss = evaluateTable(rs, "nat", "PREROUTING", tcp("10.0.0.2", "172.30.0.57", 81), ctx());
    expect(miss.rulesEvaluatedByChain).toEqual([
      ["PREROUTING", 1],
      ["KUBE-SERVICES", 201],
    ]);
    expect(miss.byPolicy).toBe(true);
  });

  it("takes the linear walk when asked, or when compiled without an index", () => {
    const text = "*nat\n:A - [0:0]\n-A PREROUTING -j A\n-A A -d 1.2.3.4/32 -p tcp --dport 80 -j ACCEPT\nCOMMIT\n";
    const plain = compileRuleset(parseIptablesSave(text), undefined, { index: false });
    expect(plain.indexed).toBe(false);
    expect(plain.tables.get("nat")?.chains.get("A")?.index).toBeUndefined();
    const few = compileRuleset(parseIptablesSave(text));
    // One guarded rule is below the default threshold: no index is built for it.
    expect(few.tables.get("nat")?.chains.get("A")?.index).toBeUndefined();
  });
});

describe("ruleGuard", () => {
  const guardOf = (rule: string) => {
    const rs = rules("nat", [`-A PREROUTING ${rule}`]);
    return ruleGuard(rs.tables.get("nat")?.chains.get("PREROUTING")?.rules[0] as never);
  };

  it("fixes -p, -d ip/32 and a single --dport, un-negated", () => {
    expect(guardOf("-d 172.30.0.1/32 -p tcp -m tcp --dport 80 -j ACCEPT")).toEqual({
      shape: 7,
      proto: 6,
      dst: parseIPv4("172.30.0.1"),
      dport: 80,
    });
    expect(guardOf("-p udp -m udp --dport 30053 -j ACCEPT")).toMatchObject({ shape: 5, proto: 17, dport: 30053 });
    expect(guardOf("-d 127.0.0.0/8 -p tcp --dport 30001 -j ACCEPT").shape).toBe(5);
    expect(guardOf("! -d 172.30.0.1/32 -p tcp ! --dport 80 -j ACCEPT").shape).toBe(1);
    expect(guardOf("-p tcp --dport 80:90 -j ACCEPT").shape).toBe(1);
  });

  it("stops at the first stateful match: a statistic draw before --dport happens for every port", () => {
    // why: extension matches run in rule order (ipt_do_table's xt_ematch_foreach); a packet to
    // another port still draws here, so the port cannot be used to skip this rule.
    expect(guardOf("-p tcp -m statistic --mode nth --every 2 -m tcp --dport 80 -j ACCEPT").shape).toBe(1);
    expect(guardOf("-p tcp -m tcp --dport 80 -m statistic --mode nth --every 2 -j ACCEPT").shape).toBe(5);
    expect(guardOf("-m recent --rcheck --name x -d 1.2.3.4/32 -j ACCEPT").shape).toBe(2);
  });
});
