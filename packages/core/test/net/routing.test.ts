import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cidrContains, formatRoute, parseCidr, parseIPv4, type Route, RoutingTable } from "../../src/net/index.ts";

const ip = parseIPv4;
const uni = (dst: string, dev: string, via?: string): Route => ({
  dst: parseCidr(dst),
  kind: "unicast",
  dev,
  ...(via === undefined ? {} : { via: ip(via) }),
});

describe("RoutingTable", () => {
  it("picks the longest matching prefix (fib_table_lookup)", () => {
    const t = new RoutingTable();
    t.add(uni("0.0.0.0/0", "eth0"));
    t.add(uni("10.244.2.0/24", "eth0", "10.0.0.3"));
    t.add(uni("10.244.2.7/32", "veth-a"));
    expect(t.lookup(ip("10.244.2.7"))?.dev).toBe("veth-a");
    expect(t.lookup(ip("10.244.2.8"))?.via).toBe(ip("10.0.0.3"));
    expect(t.lookup(ip("8.8.8.8"))?.dst.bits).toBe(0);
  });

  it("prefers local addresses over any route, like the local table before main", () => {
    const t = new RoutingTable();
    t.add(uni("10.0.0.2/32", "eth0"));
    t.addLocal(ip("10.0.0.2"));
    expect(t.lookup(ip("10.0.0.2"))?.kind).toBe("local");
    t.removeLocal(ip("10.0.0.2"));
    expect(t.lookup(ip("10.0.0.2"))?.kind).toBe("unicast");
  });

  it("returns undefined without a matching route, and forgets removed routes", () => {
    const t = new RoutingTable();
    t.add(uni("10.244.1.0/24", "eth0", "10.0.0.2"));
    expect(t.lookup(ip("10.244.9.1"))).toBeUndefined();
    expect(t.remove(parseCidr("10.244.1.0/24"))).toBe(true);
    expect(t.remove(parseCidr("10.244.1.0/24"))).toBe(false);
    expect(t.lookup(ip("10.244.1.1"))).toBeUndefined();
  });

  it("prints routes as ip route does", () => {
    expect(formatRoute(uni("10.244.2.0/24", "eth0", "10.0.0.3"))).toBe("10.244.2.0/24 via 10.0.0.3 dev eth0");
    expect(formatRoute(uni("10.244.1.5/32", "veth-web"))).toBe("10.244.1.5 dev veth-web");
    expect(formatRoute(uni("0.0.0.0/0", "eth0"))).toBe("default dev eth0");
    expect(formatRoute({ dst: parseCidr("10.244.1.0/24"), kind: "blackhole", dev: "-" })).toBe(
      "blackhole 10.244.1.0/24",
    );
  });

  it("agrees with a brute-force longest-prefix match (property)", () => {
    const prefix = fc.record({ base: fc.nat({ max: 0xffffffff }), bits: fc.integer({ min: 0, max: 32 }) });
    fc.assert(
      fc.property(
        fc.array(prefix, { maxLength: 40 }),
        fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 40 }),
        (ps, probes) => {
          const t = new RoutingTable();
          const routes: Route[] = [];
          ps.forEach((p, i) => {
            const mask = p.bits === 0 ? 0 : (0xffffffff << (32 - p.bits)) >>> 0;
            const r: Route = {
              dst: { base: (p.base & mask) >>> 0, bits: p.bits, mask },
              kind: "unicast",
              dev: `d${i}`,
            };
            t.add(r);
            // later adds replace earlier ones for the same prefix
            const j = routes.findIndex((x) => x.dst.base === r.dst.base && x.dst.bits === r.dst.bits);
            if (j >= 0) routes[j] = r;
            else routes.push(r);
          });
          // Probe both random addresses and the route bases themselves.
          for (const addr of [...probes, ...routes.map((r) => r.dst.base)]) {
            let best: Route | undefined;
            for (const r of routes) if (cidrContains(r.dst, addr) && (!best || r.dst.bits > best.dst.bits)) best = r;
            expect(t.lookup(addr)).toBe(best);
          }
        },
      ),
    );
  });
});
