/**
 * fast-check arbitraries for the linear-vs-indexed property: a kube-proxy
 * shaped nat table (KUBE-SERVICES → KUBE-SVC-* → KUBE-SEP-*, KUBE-NODEPORTS,
 * KUBE-MARK-MASQ, as proxier.go writes them) with arbitrary rules interleaved,
 * and packets aimed at its addresses and ports.
 */
import fc from "fast-check";
import { parseIPv4 } from "../../src/net/index.ts";
import type { ConntrackView, NetfilterPacket } from "../../src/netfilter/index.ts";

const ADDRS = ["10.0.0.1", "10.0.0.2", "172.30.0.1", "172.30.0.2", "172.30.0.3", "192.168.0.2", "8.8.8.8"];
const CIDRS = ["10.0.0.0/8", "172.30.0.0/16", "172.30.0.2/31", "0.0.0.0/0", "192.168.0.0/24", ...ADDRS];
const PORTS = [53, 80, 443, 30001, 30002];
/** Service i has cluster IP 172.30.0.(i+1), port 80 (odd i: 443), node port 30001+i. */
const svcIp = (i: number) => `172.30.0.${i + 1}`;
const svcPort = (i: number) => (i % 2 === 0 ? 80 : 443);

/** One arbitrary rule's text after `-A CHAIN`, jumping only to `targets` (chains later in the order: no loops). */
function arbitraryRule(targets: readonly string[]): fc.Arbitrary<string> {
  const neg = fc.boolean().map((b) => (b ? "! " : ""));
  const proto = fc.constantFrom("", "-p tcp", "-p udp", "! -p tcp");
  const addr = (flag: string) =>
    fc.option(fc.tuple(neg, fc.constantFrom(...CIDRS)).map(([n, c]) => `${n}${flag} ${c}`));
  const port = fc.oneof(
    fc.tuple(neg, fc.constantFrom(...PORTS)).map(([n, p]) => `${n}--dport ${p}`),
    fc.constant("--dport 80:443"),
    fc.constantFrom(...PORTS).map((p) => `--sport 40000 --dport ${p}`),
    fc.constantFrom("multiport --dports 53,443", "multiport ! --ports 80,30001:30002"),
  );
  const ext = fc.constantFrom(
    "-m mark --mark 0x4000/0x4000",
    "-m mark ! --mark 0x4000/0x4000",
    "-m conntrack --ctstate NEW",
    "-m conntrack ! --ctstate NEW",
    "-m addrtype --dst-type LOCAL",
    "-m statistic --mode random --probability 0.5000000000",
    "-m statistic --mode random --probability 0.2500000000",
    "-m statistic --mode nth --every 3 --packet 1",
    "-m recent --set --name seen --mask 255.255.255.255 --rsource",
    "-m recent --rcheck --seconds 5 --name seen --mask 255.255.255.255 --rsource",
    "-m comment --comment x",
  );
  const target = fc.constantFrom(
    "",
    "-j ACCEPT",
    "-j DROP",
    "-j RETURN",
    "-j MARK --or-mark 0x4000",
    "-j MARK --set-xmark 0x1/0xff",
    "-j LOG --log-prefix x",
    "-j DNAT --to-destination 10.9.9.9",
    ...targets.flatMap((t) => [`-j ${t}`, `-g ${t}`]),
  );
  return fc
    .record({
      src: addr("-s"),
      dst: addr("-d"),
      proto,
      port: fc.option(port),
      exts: fc.array(ext, { maxLength: 3 }),
      portFirst: fc.boolean(),
      target,
    })
    .map((r) => {
      // A port match needs a positive -p tcp/udp (libxt_tcp.t); put it before or after the other extensions.
      const positive = r.proto === "-p tcp" || r.proto === "-p udp";
      const module = r.port?.startsWith("multiport") ? "" : `${r.proto.slice(3)} `;
      const portMatch = r.port && positive ? `-m ${module}${r.port}` : "";
      const exts = r.portFirst ? [portMatch, ...r.exts] : [...r.exts, portMatch];
      return [r.src, r.dst, r.proto, ...exts, r.target].filter((w) => w).join(" ");
    });
}

/** Arbitrary rules to interleave into a chain, as [position weight, text]. */
const extras = (targets: readonly string[]) => fc.array(fc.tuple(fc.nat(), arbitraryRule(targets)), { maxLength: 6 });

function serviceLines(n: number, eps: readonly number[]): { chains: string[]; lines: string[] } {
  const chains: string[] = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-MARK-MASQ"];
  const lines: string[] = ["-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000"];
  for (let i = 0; i < n; i++) {
    const svc = `KUBE-SVC-${i}`;
    chains.push(svc);
    lines.push(`-A ${svc} ! -s 10.0.0.0/8 -d ${svcIp(i)}/32 -p tcp -m tcp --dport ${svcPort(i)} -j KUBE-MARK-MASQ`);
    const m = eps[i] ?? 1;
    for (let j = 0; j < m; j++) {
      const sep = `KUBE-SEP-${i}-${j}`;
      chains.push(sep);
      // why: proxier.go writes endpoint j of m with --probability 1/(m-j) ("%0.10f"), the last one without.
      const stat = j < m - 1 ? ` -m statistic --mode random --probability ${(1 / (m - j)).toFixed(10)}` : "";
      lines.push(`-A ${svc}${stat} -j ${sep}`);
      lines.push(`-A ${sep} -s 10.1.${i}.${j + 1}/32 -j KUBE-MARK-MASQ`);
      lines.push(`-A ${sep} -p tcp -m tcp -j DNAT --to-destination 10.1.${i}.${j + 1}:8080`);
    }
  }
  return { chains, lines };
}

function interleave(base: string[], extra: readonly [number, string][], chain: string): string[] {
  const out = [...base];
  for (const [at, text] of extra) out.splice(at % (out.length + 1), 0, `-A ${chain} ${text}`);
  return out;
}

/** A random kube-proxy-shaped nat table, as iptables-save text. */
export const natRuleset: fc.Arbitrary<string> = fc
  .integer({ min: 1, max: 6 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      eps: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: n, maxLength: n }),
      pre: extras(["X0", "X1", "KUBE-SERVICES"]),
      x0: extras(["X1", "KUBE-SERVICES", "KUBE-MARK-MASQ"]),
      x1: extras(["KUBE-SERVICES", "KUBE-NODEPORTS"]),
      services: extras(["KUBE-NODEPORTS", "KUBE-SVC-0", "KUBE-MARK-MASQ"]),
      nodeports: extras(["KUBE-SVC-0", "KUBE-MARK-MASQ"]),
    }),
  )
  .map((r) => {
    const { chains, lines } = serviceLines(r.n, r.eps);
    const services = Array.from(
      { length: r.n },
      (_, i) =>
        `-A KUBE-SERVICES -m comment --comment "svc ${i}" -d ${svcIp(i)}/32 -p tcp -m tcp --dport ${svcPort(i)} -j KUBE-SVC-${i}`,
    );
    services.push("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS");
    const nodeports = Array.from(
      { length: r.n },
      (_, i) => `-A KUBE-NODEPORTS -p tcp -m tcp --dport ${30001 + i} -j KUBE-SVC-${i}`,
    );
    const all = [
      "*nat",
      ...["X0", "X1", ...chains].map((c) => `:${c} - [0:0]`),
      ...interleave(["-A PREROUTING -j KUBE-SERVICES"], r.pre, "PREROUTING"),
      ...interleave(["-A OUTPUT -j KUBE-SERVICES"], r.pre, "OUTPUT"),
      ...interleave([], r.x0, "X0"),
      ...interleave([], r.x1, "X1"),
      ...interleave(services, r.services, "KUBE-SERVICES"),
      ...interleave(nodeports, r.nodeports, "KUBE-NODEPORTS"),
      ...lines,
      "COMMIT",
      "",
    ];
    return all.join("\n");
  });

/** One packet of a run, with the hook and the conntrack state it arrives with. */
export interface PacketCase {
  hook: "PREROUTING" | "OUTPUT";
  pkt: NetfilterPacket;
  ct: ConntrackView;
}

/** Packets aimed at the generated addresses, ports and node ports. */
export const packetCase: fc.Arbitrary<PacketCase> = fc
  .record({
    hook: fc.constantFrom("PREROUTING" as const, "OUTPUT" as const),
    proto: fc.constantFrom("TCP" as const, "TCP" as const, "UDP" as const, "ICMP" as const),
    src: fc.constantFrom(...ADDRS, "10.1.0.1"),
    dst: fc.constantFrom(...ADDRS, "172.30.0.4", "172.30.0.5", "172.30.0.6"),
    srcPort: fc.constantFrom(40000, 40001),
    dstPort: fc.constantFrom(...PORTS, 30003, 30004, 8080),
    mark: fc.constantFrom(0, 0x4000, 1),
    state: fc.constantFrom("NEW" as const, "ESTABLISHED" as const),
  })
  .map((r) => ({
    hook: r.hook,
    pkt: {
      proto: r.proto,
      src: parseIPv4(r.src),
      dst: parseIPv4(r.dst),
      srcPort: r.srcPort,
      dstPort: r.dstPort,
      mark: r.mark,
      length: 60,
    },
    ct: { state: r.state },
  }));
