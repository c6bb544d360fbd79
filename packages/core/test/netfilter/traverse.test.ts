import { describe, expect, it } from "vitest";
import { parseIPv4 } from "../../src/net/index.ts";
import {
  compileRuleset,
  evaluateTable,
  HOOK_ORDER,
  NF_IP_PRI,
  parseIptablesSave,
  tablesAt,
  traverseHook,
} from "../../src/netfilter/index.ts";
import { KUBE_PROXY_OVERALL } from "./fixtures.ts";
import { ctx, rules, tcp } from "./helpers.ts";

const P = tcp("10.0.0.2", "172.30.0.41", 80);

describe("chain traversal (ipt_do_table semantics)", () => {
  it("jump pushes, end of a user chain returns, the built-in policy decides at the end", () => {
    const rs = rules("filter", ["-A INPUT -j A", "-A INPUT -j DROP", "-A A -p udp -j ACCEPT"]);
    const r = evaluateTable(rs, "filter", "INPUT", P, ctx());
    expect(r.verdict).toEqual({ kind: "DROP" });
    expect(r.byPolicy).toBe(false);
    expect(r.matchedRules.map((m) => `${m.chain}#${m.index}`)).toEqual(["INPUT#1", "INPUT#2"]);
    expect(r.rulesEvaluated).toBe(3);
    expect(r.rulesEvaluatedByChain).toEqual([
      ["INPUT", 2],
      ["A", 1],
    ]);
  });

  it("goto does not push: the target chain's end returns to the caller's caller", () => {
    const rs = rules("filter", [
      "-A INPUT -j A",
      "-A INPUT -j DROP",
      "-A A -g B",
      "-A A -j REJECT",
      "-A B -p udp -j ACCEPT",
    ]);
    const r = evaluateTable(rs, "filter", "INPUT", P, ctx());
    // B ends → back to INPUT rule 2 (not to A rule 2, which would REJECT).
    expect(r.verdict).toEqual({ kind: "DROP" });
  });

  it("goto from a built-in chain then RETURN applies the policy", () => {
    const text = [
      "*filter",
      ":INPUT DROP [0:0]",
      ":B - [0:0]",
      "-A INPUT -g B",
      "-A INPUT -j ACCEPT",
      "-A B -j RETURN",
      "COMMIT",
      "",
    ];
    const rs = compileRuleset(parseIptablesSave(text.join("\n")));
    const r = evaluateTable(rs, "filter", "INPUT", P, ctx());
    expect(r.verdict).toEqual({ kind: "DROP" });
    expect(r.byPolicy).toBe(true);
  });

  it("RETURN pops one level; MARK and LOG continue; the mark is seen by later rules and written back", () => {
    const rs = rules("filter", [
      "-A INPUT -j A",
      "-A INPUT -m mark --mark 0x4000/0x4000 -j ACCEPT",
      "-A A -j MARK --or-mark 0x4000",
      '-A A -j LOG --log-prefix "seen: "',
      "-A A -j RETURN",
      "-A A -j DROP",
    ]);
    const pkt = tcp("10.0.0.2", "172.30.0.41", 80, 1, 0x1);
    const r = evaluateTable(rs, "filter", "INPUT", pkt, ctx());
    expect(r.verdict).toEqual({ kind: "ACCEPT" });
    expect(r.byPolicy).toBe(false);
    expect(r.mark).toEqual({ before: 0x1, after: 0x4001 });
    expect(pkt.mark).toBe(0x4001);
    expect(r.logs).toEqual([{ table: "filter", chain: "A", index: 2, prefix: "seen: ", level: 4 }]);
  });

  it("MARK forms follow (mark & ~mask) ^ value (xt_MARK)", () => {
    const run = (spec: string, mark: number) => {
      const pkt = tcp("1.1.1.1", "2.2.2.2", 1, 1, mark);
      evaluateTable(rules("mangle", [`-A PREROUTING -j MARK ${spec}`]), "mangle", "PREROUTING", pkt, ctx());
      return pkt.mark;
    };
    expect(run("--xor-mark 0x4000", 0x4001)).toBe(0x1);
    expect(run("--and-mark 0xff", 0x4101)).toBe(0x1);
    expect(run("--set-mark 0x10", 0xffff)).toBe(0x10);
    expect(run("--set-mark 0x10/0xf0", 0xffff)).toBe(0xff1f);
    expect(run("--set-xmark 0x1/0x3", 0x2)).toBe(0x1);
  });

  it("counts packets and bytes on matched rules and on the policy", () => {
    const rs = rules("filter", ["-A INPUT -p tcp", "-A INPUT -p udp -j DROP"]);
    evaluateTable(rs, "filter", "INPUT", P, ctx());
    evaluateTable(rs, "filter", "INPUT", P, ctx());
    const input = rs.ruleset.tables.get("filter")?.chains.get("INPUT");
    expect(input?.rules[0]?.counters).toEqual({ packets: 2, bytes: 120 });
    expect(input?.rules[1]?.counters).toEqual({ packets: 0, bytes: 0 });
    expect(input?.counters).toEqual({ packets: 2, bytes: 120 });
  });

  it("returns NAT verdicts without rewriting the packet", () => {
    const rs = compileRuleset(parseIptablesSave(KUBE_PROXY_OVERALL));
    const pkt = tcp("10.0.0.2", "172.30.0.41", 80);
    const hook = traverseHook(rs, "PREROUTING", pkt, ctx());
    // The fixture (restore input) has no PREROUTING jump into KUBE-SERVICES: the policy accepts.
    expect(hook.tables.map((t) => [t.table, t.rulesEvaluated, t.byPolicy])).toEqual([["nat", 0, true]]);
    const full = rules("nat", [
      "-A PREROUTING -j KUBE-SERVICES",
      "-A KUBE-SERVICES -p tcp -d 172.30.0.41 --dport 80 -j DNAT --to-destination 10.180.0.1:8080",
    ]);
    const t = traverseHook(full, "PREROUTING", pkt, ctx());
    expect(t.nat).toMatchObject({
      kind: "DNAT",
      range: { minIp: parseIPv4("10.180.0.1"), ports: { lo: 8080, hi: 8080 } },
    });
    expect(pkt.dst).toBe(parseIPv4("172.30.0.41"));
    // later packets of the connection do not walk nat
    expect(traverseHook(full, "PREROUTING", pkt, ctx({ ct: { state: "ESTABLISHED" } })).tables).toHaveLength(0);
  });

  it("orders hooks by the kernel's NF_IP_PRI values", () => {
    expect(tablesAt("PREROUTING")).toEqual(["raw", "mangle", "nat"]);
    expect(tablesAt("OUTPUT")).toEqual(["raw", "mangle", "nat", "filter"]);
    expect(tablesAt("INPUT")).toEqual(["mangle", "filter", "nat"]);
    expect(tablesAt("FORWARD")).toEqual(["mangle", "filter"]);
    expect(tablesAt("POSTROUTING")).toEqual(["mangle", "nat"]);
    for (const steps of Object.values(HOOK_ORDER)) {
      const pri = steps.map((s) => s.priority);
      expect(pri).toEqual([...pri].sort((a, b) => a - b));
    }
    expect(HOOK_ORDER.PREROUTING[1]).toEqual({ kind: "conntrack", step: "in", priority: NF_IP_PRI.CONNTRACK });
  });

  it("stops a hook at the first table that drops", () => {
    const text = [
      "*mangle",
      ":PREROUTING ACCEPT [0:0]",
      "-A PREROUTING -p tcp -j DROP",
      "COMMIT",
      "*nat",
      ":PREROUTING ACCEPT [0:0]",
      "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4",
      "COMMIT",
      "",
    ].join("\n");
    const r = traverseHook(compileRuleset(parseIptablesSave(text)), "PREROUTING", P, ctx());
    expect(r.verdict).toEqual({ kind: "DROP" });
    expect(r.tables.map((t) => t.table)).toEqual(["mangle"]);
    expect(r.nat).toBeUndefined();
  });
});
