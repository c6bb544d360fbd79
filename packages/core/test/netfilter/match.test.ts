import { describe, expect, it } from "vitest";
import { parseIPv4 } from "../../src/net/index.ts";
import { evaluateTable, type NetfilterPacket } from "../../src/netfilter/index.ts";
import { ctx, rules, tcp } from "./helpers.ts";

/** True when a one-rule INPUT chain with `spec -j DROP` drops the packet. */
function hits(spec: string, pkt: NetfilterPacket, c = ctx()): boolean {
  const rs = rules("filter", [`-A INPUT ${spec} -j DROP`]);
  return evaluateTable(rs, "filter", "INPUT", pkt, c).verdict.kind === "DROP";
}

const P = tcp("10.0.0.2", "172.30.0.41", 80);

describe("match semantics, each with and without !", () => {
  it("-s / -d CIDRs", () => {
    expect(hits("-s 10.0.0.0/8", P)).toBe(true);
    expect(hits("! -s 10.0.0.0/8", P)).toBe(false);
    expect(hits("-d 172.30.0.41", P)).toBe(true);
    expect(hits("-d 172.30.0.42", P)).toBe(false);
    expect(hits("! -d 172.30.0.42/32", P)).toBe(true);
  });

  it("-p and ports, with ranges", () => {
    expect(hits("-p tcp", P)).toBe(true);
    expect(hits("-p udp", P)).toBe(false);
    expect(hits("! -p udp", P)).toBe(true);
    expect(hits("-p tcp --dport 80", P)).toBe(true);
    expect(hits("-p tcp -m tcp ! --dport 80", P)).toBe(false);
    expect(hits("-p tcp --dport 1:79", P)).toBe(false);
    expect(hits("-p tcp --dport 79:81", P)).toBe(true);
    expect(hits("-p tcp --sport 40000", P)).toBe(true);
    expect(hits("-p udp -m udp --dport 80", { ...P, proto: "UDP" })).toBe(true);
    expect(hits("-p sctp -m sctp --dport 80", { ...P, proto: "SCTP" })).toBe(true);
  });

  it("multiport", () => {
    expect(hits("-p tcp -m multiport --dports 443,80", P)).toBe(true);
    expect(hits("-p tcp -m multiport --dports 1000:2000", P)).toBe(false);
    expect(hits("-p tcp -m multiport ! --dports 443", P)).toBe(true);
    expect(hits("-p tcp -m multiport --ports 40000", P)).toBe(true);
  });

  it("-i / -o with the + wildcard; a missing device compares as empty", () => {
    expect(hits("-i eth0", P, ctx({ inDev: "eth0" }))).toBe(true);
    expect(hits("-i veth+", P, ctx({ inDev: "veth1234" }))).toBe(true);
    expect(hits("! -i veth+", P, ctx({ inDev: "veth1234" }))).toBe(false);
    expect(hits("-i eth0", P)).toBe(false);
    expect(hits("! -o cbr0", P, ctx({ outDev: "eth0" }))).toBe(true);
  });

  it("addrtype LOCAL from the node's addresses, 127/8 always local, --limit-iface-in", () => {
    const node = parseIPv4("192.168.0.2");
    const here = tcp("10.0.0.2", "192.168.0.2", 30000);
    expect(hits("-m addrtype --dst-type LOCAL", here, ctx({ localAddresses: new Set([node]) }))).toBe(true);
    expect(hits("-m addrtype --dst-type LOCAL", P, ctx({ localAddresses: new Set([node]) }))).toBe(false);
    expect(hits("-m addrtype ! --dst-type LOCAL", P, ctx({ localAddresses: new Set([node]) }))).toBe(true);
    expect(hits("-m addrtype --dst-type LOCAL", tcp("10.0.0.2", "127.0.0.1", 1))).toBe(true);
    expect(hits("-m addrtype --src-type LOCAL", P)).toBe(false);
    expect(hits("-m addrtype --dst-type MULTICAST", tcp("10.0.0.2", "224.0.0.1", 1))).toBe(true);
    const onEth0 = new Map([[node, "eth0"]]);
    expect(
      hits("-m addrtype --dst-type LOCAL --limit-iface-in", here, ctx({ localAddresses: onEth0, inDev: "eth0" })),
    ).toBe(true);
    expect(
      hits("-m addrtype --dst-type LOCAL --limit-iface-in", here, ctx({ localAddresses: onEth0, inDev: "eth1" })),
    ).toBe(false);
  });

  it("mark value/mask, as ((mark & mask) == value) ^ invert", () => {
    expect(hits("-m mark --mark 0x4000/0x4000", tcp("1.1.1.1", "2.2.2.2", 1, 1, 0x4001))).toBe(true);
    expect(hits("-m mark --mark 0x4000/0x4000", tcp("1.1.1.1", "2.2.2.2", 1, 1, 0x1))).toBe(false);
    expect(hits("-m mark ! --mark 0x4000/0x4000", tcp("1.1.1.1", "2.2.2.2", 1, 1, 0x1))).toBe(true);
    expect(hits("-m mark --mark 0x4001", tcp("1.1.1.1", "2.2.2.2", 1, 1, 0x4001))).toBe(true);
  });

  it("conntrack states, including the virtual DNAT state", () => {
    const est = ctx({ ct: { state: "ESTABLISHED" } });
    expect(hits("-m conntrack --ctstate RELATED,ESTABLISHED", P, est)).toBe(true);
    expect(hits("-m conntrack --ctstate NEW", P)).toBe(true); // NEW is the default view
    expect(hits("-m conntrack --ctstate INVALID", P, ctx({ ct: { state: "INVALID" } }))).toBe(true);
    const dnatNew = ctx({ ct: { state: "NEW", dnat: true } });
    expect(hits("-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT", P, dnatNew)).toBe(false);
    expect(hits("-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT", P)).toBe(true);
    // -m state knows no SNAT/DNAT bits.
    expect(hits("-m state --state NEW", P, dnatNew)).toBe(true);
  });

  it("sets through the provided ipset lookup; an unknown set matches nothing", () => {
    const ipset = {
      test: (name: string, dirs: readonly ("src" | "dst")[], p: NetfilterPacket) =>
        name === "KUBE-CLUSTER-IP" && dirs.join(",") === "dst,dst" && p.dstPort === 80,
    };
    expect(hits("-m set --match-set KUBE-CLUSTER-IP dst,dst", P, ctx({ ipset }))).toBe(true);
    expect(hits("-m set ! --match-set KUBE-CLUSTER-IP dst,dst", P, ctx({ ipset }))).toBe(false);
    expect(hits("-m set --match-set KUBE-CLUSTER-IP dst,dst", P)).toBe(false);
  });

  it("comment and nfacct always match", () => {
    expect(hits('-m comment --comment "anything at all" -m nfacct --nfacct-name x', P)).toBe(true);
  });

  it("checks the IP part before extensions whatever the written order (no draw when -d fails)", () => {
    let draws = 0;
    const c = ctx({
      random: () => {
        draws++;
        return 0;
      },
    });
    expect(hits("-m statistic --mode random --probability 1 -d 9.9.9.9", P, c)).toBe(false);
    expect(draws).toBe(0);
  });
});
