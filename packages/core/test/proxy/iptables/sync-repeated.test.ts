import { describe, expect, it } from "vitest";
import type { EndpointSlice, Service } from "../../../src/api/index.ts";
import { s } from "../../../src/engine/index.ts";
import { IptablesProgrammer } from "../../../src/proxy/index.ts";
import { ep, epPort, fakeProxierConfig, makeService, makeSlice, port, view } from "../fixtures.ts";
import { sortIPTablesRules } from "./dump.ts";

// proxier_test.go TestSyncProxyRulesRepeated: the filter table is the same in every step but one.
const FILTER = `*filter
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
`;

const NAT_FIXED = `-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE`;

const NODEPORTS_LAST = `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`;

const clusterIPService = (ns: string, name: string, ip: string, portName: string, p: number): Service =>
  makeService(ns, name, (svc) => {
    svc.spec.clusterIP = ip;
    svc.spec.ports = [port(portName, p)];
  });

/** Like Go's dedent.Dedent for these literals: every line left-trimmed. */
const dedent = (text: string) =>
  text
    .replace(/^\n/, "")
    .split("\n")
    .map((l) => l.trim())
    .join("\n");

const natRuleCount = (dump: string) =>
  dump
    .split("*nat\n")[1]!
    .split("\n")
    .filter((l) => l.startsWith("-A ")).length;

describe("TestSyncProxyRulesRepeated (kubernetes pkg/proxy/iptables/proxier_test.go)", () => {
  it("rewrites only the chains of changed Services in partial syncs, and deletes stale chains", () => {
    const p = new IptablesProgrammer(fakeProxierConfig());
    const services = new Map<string, Service>();
    const slices = new Map<string, EndpointSlice>();
    const sync = () => p.sync(view([...services.values()], [...slices.values()]), false, s(0));
    const put = (svc: Service) => services.set(svc.metadata.name, svc);
    const putSlice = (sl: EndpointSlice) => slices.set(sl.metadata.name, sl);

    put(clusterIPService("ns1", "svc1", "172.30.0.41", "p80", 80));
    put(clusterIPService("ns2", "svc2", "172.30.0.42", "p8080", 8080));
    putSlice(makeSlice("ns1", "svc1", 1, [ep("10.0.1.1")], [epPort("p80", 80)]));
    putSlice(makeSlice("ns2", "svc2", 1, [ep("10.0.2.1")], [epPort("p8080", 8080)]));

    // Step 1: the first sync is a full one.
    let stats = sync();
    let expected = dedent(`
      ${FILTER}*nat
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBE-POSTROUTING - [0:0]
      :KUBE-SEP-SNQ3ZNILQDEJNDQO - [0:0]
      :KUBE-SEP-UHEGFW77JX3KXTOV - [0:0]
      :KUBE-SVC-2VJB64SDSIJUP5T6 - [0:0]
      :KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
      -A KUBE-SERVICES -m comment --comment "ns2/svc2:p8080 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 8080 -j KUBE-SVC-2VJB64SDSIJUP5T6
      ${NODEPORTS_LAST}
      ${NAT_FIXED}
      -A KUBE-SEP-SNQ3ZNILQDEJNDQO -m comment --comment ns1/svc1:p80 -s 10.0.1.1 -j KUBE-MARK-MASQ
      -A KUBE-SEP-SNQ3ZNILQDEJNDQO -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.1.1:80
      -A KUBE-SEP-UHEGFW77JX3KXTOV -m comment --comment ns2/svc2:p8080 -s 10.0.2.1 -j KUBE-MARK-MASQ
      -A KUBE-SEP-UHEGFW77JX3KXTOV -m comment --comment ns2/svc2:p8080 -m tcp -p tcp -j DNAT --to-destination 10.0.2.1:8080
      -A KUBE-SVC-2VJB64SDSIJUP5T6 -m comment --comment "ns2/svc2:p8080 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 8080 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
      -A KUBE-SVC-2VJB64SDSIJUP5T6 -m comment --comment "ns2/svc2:p8080 -> 10.0.2.1:8080" -j KUBE-SEP-UHEGFW77JX3KXTOV
      -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
      -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.0.1.1:80" -j KUBE-SEP-SNQ3ZNILQDEJNDQO
      COMMIT
      `);
    expect(stats.full).toBe(true);
    expect(sortIPTablesRules(stats.restoreInput)).toBe(expected);
    expect(stats.natRules).toBe(natRuleCount(expected));
    let rulesTotal = natRuleCount(expected);
    expect(stats.natRulesTotal).toBe(rulesTotal);

    // Step 2: add a Service and its endpoints: only its SVC and SEP chains are written.
    put(clusterIPService("ns3", "svc3", "172.30.0.43", "p80", 80));
    const eps3 = makeSlice("ns3", "svc3", 1, [ep("10.0.3.1")], [epPort("p80", 80)]);
    putSlice(eps3);
    stats = sync();
    expected = dedent(`
      ${FILTER}*nat
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBE-POSTROUTING - [0:0]
      :KUBE-SEP-BSWRHOQ77KEXZLNL - [0:0]
      :KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
      -A KUBE-SERVICES -m comment --comment "ns2/svc2:p8080 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 8080 -j KUBE-SVC-2VJB64SDSIJUP5T6
      -A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
      ${NODEPORTS_LAST}
      ${NAT_FIXED}
      -A KUBE-SEP-BSWRHOQ77KEXZLNL -m comment --comment ns3/svc3:p80 -s 10.0.3.1 -j KUBE-MARK-MASQ
      -A KUBE-SEP-BSWRHOQ77KEXZLNL -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.3.1:80
      -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
      -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.1:80" -j KUBE-SEP-BSWRHOQ77KEXZLNL
      COMMIT
      `);
    expect(stats.full).toBe(false);
    expect(sortIPTablesRules(stats.restoreInput)).toBe(expected);
    expect(stats.natRules).toBe(natRuleCount(expected));
    // "We added 1 KUBE-SERVICES rule, 2 KUBE-SVC-X27LE4BHSL4DOUIK rules, and 2 KUBE-SEP-BSWRHOQ77KEXZLNL rules."
    rulesTotal += 5;
    expect(stats.natRulesTotal).toBe(rulesTotal);

    // Step 3: delete a Service; its chains are deleted, the others are not rewritten.
    services.delete("svc2");
    stats = sync();
    expected = dedent(`
      ${FILTER}*nat
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBE-POSTROUTING - [0:0]
      :KUBE-SEP-UHEGFW77JX3KXTOV - [0:0]
      :KUBE-SVC-2VJB64SDSIJUP5T6 - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
      -A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
      ${NODEPORTS_LAST}
      ${NAT_FIXED}
      -X KUBE-SEP-UHEGFW77JX3KXTOV
      -X KUBE-SVC-2VJB64SDSIJUP5T6
      COMMIT
      `);
    expect(sortIPTablesRules(stats.restoreInput)).toBe(expected);
    expect(stats.natRules).toBe(natRuleCount(expected));
    expect(stats.deletedChains).toBe(2);
    // "We deleted 1 KUBE-SERVICES rule, 2 KUBE-SVC-2VJB64SDSIJUP5T6 rules, and 2 KUBE-SEP-UHEGFW77JX3KXTOV rules"
    rulesTotal -= 5;
    expect(stats.natRulesTotal).toBe(rulesTotal);

    // Step 4: add a Service without endpoints: only a REJECT rule in filter.
    put(clusterIPService("ns4", "svc4", "172.30.0.44", "p80", 80));
    stats = sync();
    expected = dedent(`
      *filter
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-EXTERNAL-SERVICES - [0:0]
      :KUBE-FIREWALL - [0:0]
      :KUBE-FORWARD - [0:0]
      :KUBE-PROXY-FIREWALL - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j REJECT
      -A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
      -A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP
      -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
      -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
      COMMIT
      *nat
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBE-POSTROUTING - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
      -A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
      ${NODEPORTS_LAST}
      ${NAT_FIXED}
      COMMIT
      `);
    expect(sortIPTablesRules(stats.restoreInput)).toBe(expected);
    // "The REJECT rule is in "filter", not NAT, so the number of NAT rules hasn't changed."
    expect(stats.natRulesTotal).toBe(rulesTotal);

    // Step 5: add its endpoints.
    putSlice(makeSlice("ns4", "svc4", 1, [ep("10.0.4.1")], [epPort("p80", 80)]));
    stats = sync();
    expected = dedent(`
      ${FILTER}*nat
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBE-POSTROUTING - [0:0]
      :KUBE-SEP-AYCN5HPXMIRJNJXU - [0:0]
      :KUBE-SVC-4SW47YFZTEDKD3PK - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
      -A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
      -A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK
      ${NODEPORTS_LAST}
      ${NAT_FIXED}
      -A KUBE-SEP-AYCN5HPXMIRJNJXU -m comment --comment ns4/svc4:p80 -s 10.0.4.1 -j KUBE-MARK-MASQ
      -A KUBE-SEP-AYCN5HPXMIRJNJXU -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.4.1:80
      -A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
      -A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.0.4.1:80" -j KUBE-SEP-AYCN5HPXMIRJNJXU
      COMMIT
      `);
    expect(sortIPTablesRules(stats.restoreInput)).toBe(expected);
    rulesTotal += 5;
    expect(stats.natRulesTotal).toBe(rulesTotal);

    // Step 6: change an endpoint of an existing Service: its SVC and SEP chains are rewritten.
    putSlice(makeSlice("ns3", "svc3", 1, [ep("10.0.3.2")], [epPort("p80", 80)]));
    stats = sync();
    expected = dedent(`
      ${FILTER}*nat
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBE-POSTROUTING - [0:0]
      :KUBE-SEP-BSWRHOQ77KEXZLNL - [0:0]
      :KUBE-SEP-DKCFIS26GWF2WLWC - [0:0]
      :KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
      -A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
      -A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK
      ${NODEPORTS_LAST}
      ${NAT_FIXED}
      -A KUBE-SEP-DKCFIS26GWF2WLWC -m comment --comment ns3/svc3:p80 -s 10.0.3.2 -j KUBE-MARK-MASQ
      -A KUBE-SEP-DKCFIS26GWF2WLWC -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.3.2:80
      -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
      -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.2:80" -j KUBE-SEP-DKCFIS26GWF2WLWC
      -X KUBE-SEP-BSWRHOQ77KEXZLNL
      COMMIT
      `);
    expect(sortIPTablesRules(stats.restoreInput)).toBe(expected);
    // "We rewrote existing rules but did not change the overall number of rules."
    expect(stats.natRulesTotal).toBe(rulesTotal);

    // Step 7: add an endpoint to a Service.
    putSlice(makeSlice("ns3", "svc3", 1, [ep("10.0.3.2"), ep("10.0.3.3")], [epPort("p80", 80)]));
    stats = sync();
    expected = dedent(`
      ${FILTER}*nat
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBE-POSTROUTING - [0:0]
      :KUBE-SEP-DKCFIS26GWF2WLWC - [0:0]
      :KUBE-SEP-JVVZVJ7BSEPPRNBS - [0:0]
      :KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
      -A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
      -A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK
      ${NODEPORTS_LAST}
      ${NAT_FIXED}
      -A KUBE-SEP-DKCFIS26GWF2WLWC -m comment --comment ns3/svc3:p80 -s 10.0.3.2 -j KUBE-MARK-MASQ
      -A KUBE-SEP-DKCFIS26GWF2WLWC -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.3.2:80
      -A KUBE-SEP-JVVZVJ7BSEPPRNBS -m comment --comment ns3/svc3:p80 -s 10.0.3.3 -j KUBE-MARK-MASQ
      -A KUBE-SEP-JVVZVJ7BSEPPRNBS -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.3.3:80
      -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
      -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.2:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-DKCFIS26GWF2WLWC
      -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.3:80" -j KUBE-SEP-JVVZVJ7BSEPPRNBS
      COMMIT
      `);
    expect(sortIPTablesRules(stats.restoreInput)).toBe(expected);
    // "We added 2 KUBE-SEP-JVVZVJ7BSEPPRNBS rules and 1 KUBE-SVC-X27LE4BHSL4DOUIK rule"
    rulesTotal += 3;
    expect(stats.natRulesTotal).toBe(rulesTotal);
    expect(eps3.metadata.name).toBe("svc3-1");

    // Step 8: sync with no new changes: no SVC or SEP chain is rewritten.
    stats = sync();
    expected = dedent(`
      ${FILTER}*nat
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBE-POSTROUTING - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
      -A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
      -A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK
      ${NODEPORTS_LAST}
      ${NAT_FIXED}
      COMMIT
      `);
    expect(sortIPTablesRules(stats.restoreInput)).toBe(expected);
    expect(stats.natRulesTotal).toBe(rulesTotal);
    expect(stats.skippedServices).toBe(3);
  });
});
