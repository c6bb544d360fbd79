import { describe, expect, it } from "vitest";
import { iptablesTable, runIptablesBench } from "../iptables.ts";
import { measureSize } from "../iptables-measure.ts";

const TINY = { endpoints: 3, rounds: 1, packets: 50, linearBudget: 1_000 };

describe("iptables bench", () => {
  it("counts the kernel's rules per packet: linear in Services for a new connection, flat when established", () => {
    const one = { ...TINY, endpoints: 1 };
    const small = measureSize(10, one);
    const large = measureSize(40, one);
    // why: proxier.go writes, per Service port, one KUBE-SERVICES rule (plus the final KUBE-NODEPORTS
    // jump), a KUBE-SVC chain of the masquerade check and one jump per endpoint, and a KUBE-SEP chain of
    // the hairpin masquerade check and the DNAT. With one endpoint, the first packet to the k-th Service
    // (0-based) tests PREROUTING's jump, k+1 KUBE-SERVICES rules, 2 in KUBE-SVC and 2 in KUBE-SEP: k+6.
    expect(small.newConnection.natPrerouting).toEqual({ mean: (10 + 11) / 2, min: 6, max: 15 });
    expect(large.newConnection.natPrerouting).toEqual({ mean: (40 + 11) / 2, min: 6, max: 45 });
    // FORWARD for a NEW packet: its 4 rules and KUBE-FORWARD's 3 (no rule there matches a pod client,
    // whose source is inside the cluster CIDR, so no masquerade mark); POSTROUTING: the jump and
    // KUBE-POSTROUTING's "no mark: RETURN".
    expect(large.newConnection.allHooks.mean).toBe(large.newConnection.natPrerouting.mean + 9);
    // Established packets skip nat entirely; in filter, FORWARD's NEW-only rule fails, then KUBE-FORWARD
    // tests INVALID, the masquerade mark and RELATED,ESTABLISHED (ACCEPT): 5 rules, whatever the size.
    expect(small.established).toEqual({ nat: 0, filter: 5, allHooks: 5 });
    expect(large.established).toEqual(small.established);
  });

  it("runs a tiny configuration end to end and tabulates it", () => {
    const res = runIptablesBench({ ...TINY, sizes: [5, 20], programSize: 20, inProcess: true });
    expect(res.sizes.map((r) => r.services)).toEqual([5, 20]);
    expect(res.wallRatioLargestOverSmallest).toBeGreaterThan(0);
    expect(res.program.services).toBe(20);
    expect(iptablesTable(res)).toContain("goal ≤ 1.25×");
  });
});
