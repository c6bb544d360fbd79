import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStream } from "../../src/engine/index.ts";
import { formatIPv4 } from "../../src/net/index.ts";
import { evaluateTable, explainChain } from "../../src/netfilter/index.ts";
import { ctx, rules, tcp } from "./helpers.ts";

/** A kube-proxy-shaped service chain: endpoint i of n gets --probability 1/(n-i) printed "%0.10f" (proxier.go). */
function serviceChain(n: number) {
  const lines = ["-A PREROUTING -j KUBE-SVC-TEST"];
  for (let i = 0; i < n; i++) {
    const stat = i < n - 1 ? ` -m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)}` : "";
    lines.push(`-A KUBE-SVC-TEST${stat} -j KUBE-SEP-${i}`);
    lines.push(`-A KUBE-SEP-${i} -p tcp -j DNAT --to-destination 10.180.0.${i + 1}:80`);
  }
  return rules("nat", lines);
}

const pickOf = (v: { kind: string; range?: { minIp: number } }) =>
  v.range ? Number(formatIPv4(v.range.minIp).split(".")[3]) - 1 : -1;

describe("-m statistic --mode random", () => {
  it("explain lists every endpoint with the kernel's quantized share, each ≈ 1/n", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), (n) => {
        const { outcomes, truncated } = explainChain(
          serviceChain(n),
          "nat",
          "PREROUTING",
          tcp("10.0.0.2", "172.30.0.1", 80),
          {
            now: 0 as never,
          },
        );
        expect(truncated).toBe(false);
        expect(outcomes.map((o) => pickOf(o.verdict as never))).toEqual([...Array(n).keys()]);
        const total = outcomes.reduce((s, o) => s + o.probability, 0);
        expect(Math.abs(total - 1)).toBeLessThan(1e-12);
        // why: each 1/(n-i) is off by at most 2^-32 after lround(2^31 p) and 5e-11 after %0.10f.
        for (const o of outcomes) expect(Math.abs(o.probability - 1 / n)).toBeLessThan(1e-8);
      }),
      { numRuns: 40 },
    );
  });

  it("a seeded stream picks uniformly (property over seeds), and the same seed picks the same endpoints", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
        const picks = (s: number) => {
          const rs = serviceChain(n);
          const stream = new RandomStream(s, "test/iptables/statistic");
          const counts = new Array<number>(n).fill(0);
          const order: number[] = [];
          for (let k = 0; k < 3000; k++) {
            const r = evaluateTable(
              rs,
              "nat",
              "PREROUTING",
              tcp("10.0.0.2", "172.30.0.1", 80),
              ctx({ random: () => stream.next() }),
              { record: false },
            );
            const i = pickOf(r.verdict as never);
            counts[i] = (counts[i] as number) + 1;
            if (k < 50) order.push(i);
          }
          return { counts, order };
        };
        const a = picks(seed);
        const sigma = Math.sqrt(3000 * (1 / n) * (1 - 1 / n));
        for (const c of a.counts) expect(Math.abs(c - 3000 / n)).toBeLessThan(5 * sigma);
        expect(picks(seed).order).toEqual(a.order);
      }),
      { numRuns: 15 },
    );
  });

  it("compares the draw with probability/2^31 and honours !", () => {
    const rs = rules("filter", ["-A INPUT -m statistic --mode random --probability 0.25 -j DROP"]);
    const at = (u: number) =>
      evaluateTable(rs, "filter", "INPUT", tcp("1.1.1.1", "2.2.2.2", 1), ctx({ random: () => u })).verdict.kind;
    expect(at(0.2499)).toBe("DROP");
    expect(at(0.25)).toBe("ACCEPT");
    const inv = rules("filter", ["-A INPUT -m statistic --mode random ! --probability 0.25 -j DROP"]);
    expect(
      evaluateTable(inv, "filter", "INPUT", tcp("1.1.1.1", "2.2.2.2", 1), ctx({ random: () => 0.1 })).verdict.kind,
    ).toBe("ACCEPT");
  });
});

describe("-m statistic --mode nth", () => {
  it("matches packet p of every n, counting from the first packet (xt_statistic)", () => {
    const seq = (spec: string, count: number) => {
      const rs = rules("filter", [`-A INPUT -m statistic --mode nth ${spec} -j DROP`]);
      return Array.from({ length: count }, () =>
        evaluateTable(rs, "filter", "INPUT", tcp("1.1.1.1", "2.2.2.2", 1), ctx()).verdict.kind === "DROP" ? 1 : 0,
      ).join("");
    };
    expect(seq("--every 3", 7)).toBe("1001001");
    expect(seq("--every 3 --packet 1", 7)).toBe("0100100");
    expect(seq("! --every 2", 4)).toBe("0101");
  });
});
