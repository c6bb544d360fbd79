import { describe, expect, it } from "vitest";
import { s } from "../../src/engine/index.ts";
import { parseIPv4 } from "../../src/net/index.ts";
import { compileRuleset, evaluateTable, parseIptablesSave, RecentTables } from "../../src/netfilter/index.ts";
import { KUBE_PROXY_OVERALL } from "./fixtures.ts";
import { ctx, rules, tcp } from "./helpers.ts";

const verdict = (rs: ReturnType<typeof rules>, src: string, t: number) =>
  evaluateTable(rs, "filter", "INPUT", tcp(src, "2.2.2.2", 80), ctx({ now: s(t) })).verdict.kind;

describe("-m recent (xt_recent)", () => {
  it("--set records, --rcheck --seconds matches only within the window", () => {
    const rs = rules("filter", [
      "-A INPUT -m recent --rcheck --seconds 10 --name L -j DROP",
      "-A INPUT -m recent --set --name L -j ACCEPT",
    ]);
    expect(verdict(rs, "1.1.1.1", 0)).toBe("ACCEPT"); // not yet in the list: --set adds it
    expect(verdict(rs, "1.1.1.1", 5)).toBe("DROP");
    expect(verdict(rs, "1.1.1.1", 10)).toBe("DROP"); // stamp == now - seconds still counts (time_after is strict)
    expect(verdict(rs, "1.1.1.1", 10.5)).toBe("ACCEPT"); // too old: falls to --set, which refreshes
    expect(verdict(rs, "1.1.1.2", 11)).toBe("ACCEPT"); // another address
  });

  it("--update refreshes the stamp only when it matched; --remove deletes", () => {
    const rs = rules("filter", [
      "-A INPUT -p tcp --dport 80 -m recent --update --seconds 10 --name L -j DROP",
      "-A INPUT -p tcp --dport 80 -m recent --set --name L -j ACCEPT",
    ]);
    expect(verdict(rs, "1.1.1.1", 0)).toBe("ACCEPT");
    expect(verdict(rs, "1.1.1.1", 8)).toBe("DROP"); // refreshed at 8
    expect(verdict(rs, "1.1.1.1", 16)).toBe("DROP"); // within 10 s of 8
    const rm = rules("filter", ["-A INPUT -m recent --remove --name L -j DROP", "-A INPUT -m recent --set --name L"]);
    expect(verdict(rm, "1.1.1.1", 0)).toBe("ACCEPT");
    expect(verdict(rm, "1.1.1.1", 1)).toBe("DROP");
    expect(verdict(rm, "1.1.1.1", 2)).toBe("ACCEPT");
  });

  it("--hitcount needs that many stamps within the window; ! inverts", () => {
    const rs = rules("filter", [
      "-A INPUT -m recent --rcheck --seconds 60 --hitcount 3 --name L -j DROP",
      "-A INPUT -m recent --set --name L",
    ]);
    expect([0, 1, 2, 3].map((t) => verdict(rs, "1.1.1.1", t))).toEqual(["ACCEPT", "ACCEPT", "ACCEPT", "DROP"]);
    const inv = rules("filter", ["-A INPUT -m recent ! --rcheck --name L -j DROP"]);
    expect(verdict(inv, "9.9.9.9", 0)).toBe("DROP");
  });

  it("--reap drops the least recently seen entry once it is older than --seconds", () => {
    const recent = new RecentTables();
    const set = {
      kind: "recent",
      invert: false,
      command: "set",
      seconds: 0,
      hitcount: 0,
      reap: false,
      rttl: false,
      name: "L",
      mask: 0xffffffff,
      side: "source",
    } as const;
    const check = { ...set, command: "rcheck", seconds: 10, reap: true } as const;
    recent.match(set, parseIPv4("1.1.1.1"), 64, 0, false);
    recent.match(set, parseIPv4("1.1.1.2"), 64, s(5), false);
    expect(recent.match(check, parseIPv4("1.1.1.2"), 64, s(12), false)).toBe(true);
    // 1.1.1.1 (LRU head, last seen at 0) is older than 12-10 = 2 s: reaped.
    expect(recent.entries("L").map((e) => e.addr)).toEqual([parseIPv4("1.1.1.2")]);
  });

  it("keeps at most ip_list_tot addresses, evicting the least recently seen; --mask and --rdest pick the key", () => {
    const recent = new RecentTables(3);
    const set = {
      kind: "recent",
      invert: false,
      command: "set",
      seconds: 0,
      hitcount: 0,
      reap: false,
      rttl: false,
      name: "L",
      mask: 0xffffff00,
      side: "dest",
    } as const;
    for (const [i, a] of ["10.0.1.5", "10.0.2.5", "10.0.3.5", "10.0.1.9", "10.0.4.5"].entries()) {
      recent.match(set, parseIPv4(a), 64, i, false);
    }
    // 10.0.1.9 refreshed 10.0.1.0 (same /24), so 10.0.2.0 was the LRU one when 10.0.4.0 arrived.
    expect(recent.entries("L").map((e) => e.addr)).toEqual(["10.0.3.0", "10.0.1.0", "10.0.4.0"].map(parseIPv4));
  });

  it("gives kube-proxy's ClientIP affinity: the first connection sets, the next ones stick", () => {
    const text = KUBE_PROXY_OVERALL.replace("*nat\n", "*nat\n:PREROUTING ACCEPT [0:0]\n").replace(
      "-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp -d 127",
      "-A PREROUTING -j KUBE-SERVICES\n-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp -d 127",
    );
    const rs = compileRuleset(parseIptablesSave(text));
    const go = (t: number) =>
      evaluateTable(rs, "nat", "PREROUTING", tcp("10.0.0.2", "172.30.0.45", 80), ctx({ now: s(t) })).matchedRules.map(
        (m) => m.chain,
      );
    expect(go(0)).toEqual(["PREROUTING", "KUBE-SERVICES", "KUBE-SVC-NUKIZ6OKUXPJNT4C", "KUBE-SEP-I77PXRDZVX7PMWMN"]);
    expect(rs.recent.entries("KUBE-SEP-I77PXRDZVX7PMWMN").map((e) => e.addr)).toEqual([parseIPv4("10.0.0.2")]);
    // second connection: the --rcheck rule (index 2) matches
    const second = evaluateTable(rs, "nat", "PREROUTING", tcp("10.0.0.2", "172.30.0.45", 80), ctx({ now: s(60) }));
    expect(second.matchedRules.find((m) => m.chain === "KUBE-SVC-NUKIZ6OKUXPJNT4C")?.index).toBe(2);
    // after 10800 s of silence the affinity is gone: the --rcheck rule no longer matches
    const later = evaluateTable(
      rs,
      "nat",
      "PREROUTING",
      tcp("10.0.0.2", "172.30.0.45", 80),
      ctx({ now: s(60 + 10801) }),
    );
    expect(later.matchedRules.find((m) => m.chain === "KUBE-SVC-NUKIZ6OKUXPJNT4C")?.index).toBe(3);
  });
});
