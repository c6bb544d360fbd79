import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { explainCommand } from "../../src/cli/explain.ts";
import { explainFlow } from "../../src/cli/explain-flow.ts";
import { answerOf } from "../../src/cli/explain-result.ts";
import { inspectCommand } from "../../src/cli/inspect.ts";
import { InputError, ms, ns } from "../../src/engine/index.ts";
import { parseIPv4 } from "../../src/net/index.ts";
import { compileRuleset, type NetfilterPacket, parseIptablesSave, traverseHook } from "../../src/netfilter/index.ts";
import { IptablesProgrammer } from "../../src/proxy/index.ts";
import { KUBE_PROXY_TRACE_RULES } from "../netfilter/fixtures.ts";
import { ep, epPort, fakeProxierConfig, makeService, makeSlice, port, TEST_NODE_IPS, view } from "../proxy/fixtures.ts";
import { capture, explainJson, FAKE_PROXIER_FLAGS, manifestFile, writeTemp } from "./explain-helpers.ts";
import { SUITES } from "./kube-proxy-cases.ts";

const NODE_IP_FLAGS = ["192.168.0.2", "192.168.1.2", "192.168.99.11"].flatMap((ip) => ["--node-ip", ip]);

describe("explain --iptables-save: a real dump", () => {
  // Rules and expectations: TestTracePacket in kubernetes pkg/proxy/iptables/proxier_test.go
  // (its testNodeIPs are 192.168.0.2, 192.168.1.2, 192.168.99.11).
  const dump = writeTemp("node.iptables", KUBE_PROXY_TRACE_RULES);
  const cases: [name: string, src: string, to: string, output: string, masq: boolean][] = [
    ["no match", "10.0.0.2", "10.0.0.3:80/tcp", "", false],
    ["single endpoint", "10.0.0.2", "172.30.0.41:80/tcp", "10.180.0.1:80", false],
    ["multiple endpoints", "10.0.0.2", "172.30.0.44:80/tcp", "10.180.0.4:80, 10.180.0.5:80", false],
    ["LOCAL, KUBE-MARK-MASQ", "192.168.0.2", "192.168.99.22:80/tcp", "10.180.0.2:80", true],
    ["DROP", "203.0.113.2", "192.168.99.22:80/tcp", "DROP", false],
    ["ACCEPT (NodePortHealthCheck)", "192.168.0.2", "192.168.0.2:30000/tcp", "ACCEPT", false],
    ["REJECT", "10.0.0.2", "172.30.0.46:80/tcp", "REJECT", false],
  ];
  for (const [name, src, to, output, masq] of cases) {
    it(name, async () => {
      const [a] = await explainJson(["--iptables-save", dump, ...NODE_IP_FLAGS, "--from", src, "--to", to]);
      expect({ output: a?.output, masq: a?.masq }).toEqual({ output, masq });
      expect(a?.name).toBe(`${src} -> ${to}`);
    });
  }

  it("prints JSON Lines: one object per flow, in input order, with exactly the five keys", async () => {
    const rows = cases.map(([name, sourceIP, to]) => {
      const [destIP, rest] = to.split(":") as [string, string];
      return { name, sourceIP, destIP, destPort: Number(rest.split("/")[0]), protocol: "tcp" };
    });
    const flows = writeTemp("flows.json", JSON.stringify(rows));
    const r = await capture(() =>
      explainCommand(["--iptables-save", dump, ...NODE_IP_FLAGS, "--flows", flows, "--json"]),
    );
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(cases.length);
    expect(lines.map((l) => Object.keys(JSON.parse(l)))).toEqual(
      cases.map(() => ["name", "output", "masq", "rulesEvaluated", "path"]),
    );
    expect(lines.map((l) => JSON.parse(l).name)).toEqual(cases.map((c) => c[0]));
  });

  it("lists the matched rules as -t <table> -A … lines, nat first", async () => {
    const [a] = await explainJson([
      "--iptables-save",
      dump,
      ...NODE_IP_FLAGS,
      "--from",
      "10.0.0.2",
      "--to",
      "172.30.0.41:80/tcp",
    ]);
    expect(a?.path[0]).toBe('-t nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(a?.path).toContain(
      "-t nat -A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80",
    );
  });

  it("warns that node-programming flags are moot for a dump", async () => {
    const r = await capture(() =>
      explainCommand(["--iptables-save", dump, "--masquerade-all", "--from", "10.0.0.2", "--to", "172.30.0.41:80/tcp"]),
    );
    expect(r.stderr).toContain("--masquerade-all: ignored with --iptables-save");
    expect(r.stderr).toContain("no --node-ip");
  });
});

describe("rulesEvaluated: the kernel's linear walk", () => {
  const suite = SUITES.find((s) => s.name === "TestClusterIPGeneral")!;
  const p = new IptablesProgrammer(fakeProxierConfig());
  const services = suite.objects.filter((o) => o.kind === "Service");
  const slices = suite.objects.filter((o) => o.kind === "EndpointSlice");
  p.sync(view(services, slices), true, ms(0));
  const compiled = compileRuleset(parseIptablesSave(p.iptablesSave()));
  const locals = new Set(["127.0.0.1", ...TEST_NODE_IPS].map(parseIPv4));

  /** evaluateTable's count for a forwarded packet, with every statistic draw failing (the last endpoint). */
  function evaluated(src: string, dst: string, dstPort: number): number {
    const pkt: NetfilterPacket = {
      proto: "TCP",
      src: parseIPv4(src),
      dst: parseIPv4(dst),
      srcPort: 40000,
      dstPort,
      mark: 0,
      length: 60,
    };
    const base = { now: ns(0), localAddresses: locals, inDev: "eth0", outDev: "eth0", random: () => 0.999 };
    const pre = traverseHook(compiled, "PREROUTING", pkt, { ...base, ct: { state: "NEW" } }, { counters: false });
    const d = pre.nat?.kind === "DNAT" ? pre.nat : undefined;
    const fwd = { ...pkt, ...(d ? { dst: d.range.minIp, dstPort: d.range.ports?.lo ?? dstPort } : {}) };
    const ct = { state: "NEW" as const, dnat: d !== undefined };
    const f = traverseHook(compiled, "FORWARD", fwd, { ...base, ct }, { counters: false });
    const post = traverseHook(compiled, "POSTROUTING", fwd, { ...base, ct }, { counters: false });
    return pre.rulesEvaluated + f.rulesEvaluated + post.rulesEvaluated;
  }

  const flow = (src: string, dst: string, dstPort: number) => ({
    name: "f",
    src: parseIPv4(src),
    dst: parseIPv4(dst),
    dstPort,
    proto: "TCP" as const,
  });

  it("equals evaluateTable's count on a single path", () => {
    const e = explainFlow(compiled, flow("10.180.0.2", "172.30.0.41", 80), { localAddresses: locals });
    expect(e.branches).toHaveLength(1);
    expect(answerOf(e).rulesEvaluated).toBe(evaluated("10.180.0.2", "172.30.0.41", 80));
  });

  it("is the most on any path: the walk to the last endpoint", () => {
    const e = explainFlow(compiled, flow("10.180.0.2", "172.30.0.42", 80), { localAddresses: locals });
    expect(e.branches.map((b) => b.probability)).toEqual([0.5, 0.5]);
    expect(answerOf(e).rulesEvaluated).toBe(evaluated("10.180.0.2", "172.30.0.42", 80));
    expect(e.branches[0]!.rulesEvaluated).toBeLessThan(e.branches[1]!.rulesEvaluated);
  });
});

describe("explain follows every endpoint branch (property)", () => {
  it("lists every endpoint once, sorted, with probabilities summing to 1", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 250 }), { minLength: 1, maxLength: 40 }), (hosts) => {
        const svc = makeService("ns1", "svc1", (s) => {
          s.spec.clusterIP = "172.30.0.41";
          s.spec.ports = [port("p80", 80)];
        });
        const ips = hosts.map((h) => `10.180.${h % 4}.${h}`);
        const slice = makeSlice(
          "ns1",
          "svc1",
          1,
          ips.map((ip) => ep(ip)),
          [epPort("p80", 80)],
        );
        const p = new IptablesProgrammer(fakeProxierConfig());
        p.sync(view([svc], [slice]), true, ms(0));
        const compiled = compileRuleset(parseIptablesSave(p.iptablesSave()));
        const e = explainFlow(
          compiled,
          { name: "f", src: parseIPv4("10.0.0.2"), dst: parseIPv4("172.30.0.41"), dstPort: 80, proto: "TCP" },
          { localAddresses: new Set(TEST_NODE_IPS.map(parseIPv4)) },
        );
        // kube-proxy's chain order is the Endpoint.String() order, so the tracer's output is sorted.
        const expected = ips.map((ip) => `${ip}:80`).sort();
        expect(answerOf(e).output).toBe(expected.join(", "));
        const total = e.branches.reduce((n, b) => n + b.probability, 0);
        expect(Math.abs(total - 1)).toBeLessThan(1e-6);
      }),
      { numRuns: 40 },
    );
  });
});

describe("explain from Pods and selector Services (no EndpointSlices)", () => {
  it("computes the slices the EndpointSlice controller would write", async () => {
    const svc = makeService("default", "web", (s) => {
      s.spec.clusterIP = "10.96.0.10";
      s.spec.selector = { app: "web" };
      s.spec.ports = [{ ...port("http", 80), targetPort: 8080 }];
    });
    const pod = (name: string, ip: string, ready: boolean) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", labels: { app: "web" } },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "nginx" }] },
      status: { phase: "Running", podIP: ip, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
    });
    const file = writeTemp(
      "pods.yaml",
      [svc, pod("web-a", "10.244.1.2", true), pod("web-b", "10.244.1.3", true), pod("web-c", "10.244.1.4", false)]
        .map((o) => stringify(o))
        .join("---\n"),
    );
    const [a] = await explainJson(["--manifests", file, "--from", "10.244.2.9", "--to", "10.96.0.10:80/tcp"]);
    // A not-ready Pod is listed as not ready, and kube-proxy uses only ready endpoints.
    expect(a?.output).toBe("10.244.1.2:8080, 10.244.1.3:8080");
  });
});

describe("inspect iptables-save --manifests", () => {
  it("prints the programmed tables, which parse back", async () => {
    const suite = SUITES.find((s) => s.name === "TestLoadBalancer")!;
    const r = await capture(() =>
      inspectCommand(["iptables-save", "--manifests", manifestFile(suite.objects), ...FAKE_PROXIER_FLAGS]),
    );
    expect(r.code).toBe(0);
    const rs = parseIptablesSave(r.stdout);
    expect([...rs.tables.keys()].sort()).toEqual(["filter", "nat"]);
    expect(r.stdout).toContain('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 loadbalancer IP"');
  });
});

describe("bad input: InputError naming the flag or file", () => {
  const dump = writeTemp("node.iptables", KUBE_PROXY_TRACE_RULES);
  const fails = async (args: string[]) => {
    try {
      await capture(() => explainCommand(args));
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return (error as InputError).message;
    }
    throw new Error("expected an InputError");
  };

  it("--to without a port and protocol", async () => {
    expect(await fails(["--iptables-save", dump, "--from", "10.0.0.2", "--to", "10.0.0.1"])).toBe(
      '--to: expected <ip>:<port>/<tcp|udp|sctp>, got "10.0.0.1"',
    );
  });

  it("flows file: every problem, by index and key", async () => {
    const flows = writeTemp(
      "flows.json",
      JSON.stringify([
        { name: "ok", sourceIP: "10.0.0.2", destIP: "172.30.0.41", destPort: 80 },
        { name: "bad ip", sourceIP: "10.0.0", destIP: "172.30.0.41", destPort: 80 },
        { name: "bad port", sourceIP: "10.0.0.2", destIP: "172.30.0.41", destPort: 70000, protocol: "icmp" },
      ]),
    );
    const msg = await fails(["--iptables-save", dump, "--flows", flows]);
    expect(msg.split("\n")).toEqual([
      `${flows}: [1].sourceIP: expected an IPv4 address, got "10.0.0"`,
      `${flows}: [2].destPort: expected an integer port 1-65535, got 70000`,
      `${flows}: [2].protocol: expected "TCP", "UDP" or "SCTP", got "icmp"`,
    ]);
  });

  it("flows file that is not an array", async () => {
    const flows = writeTemp("flows.json", '{"name": "x"}');
    expect(await fails(["--iptables-save", dump, "--flows", flows])).toBe(
      `${flows}: expected a JSON array of flows, got object`,
    );
  });

  it("both or neither rules source", async () => {
    const msg = "svcsim explain: give exactly one of --manifests <yaml…> or --iptables-save <file>";
    expect(await fails(["--from", "10.0.0.2", "--to", "10.0.0.1:80/tcp"])).toBe(msg);
  });

  it("node flags", async () => {
    const flow = ["--from", "10.0.0.2", "--to", "10.0.0.1:80/tcp", "--iptables-save", dump];
    expect(await fails([...flow, "--proxy-mode", "ipvs"])).toBe(
      '--proxy-mode: only "iptables" can be explained, got "ipvs"',
    );
    expect(await fails([...flow, "--node-ip", "1.2.3"])).toBe('--node-ip: expected an IPv4 address, got "1.2.3"');
    expect(await fails([...flow, "--masquerade-all=maybe"])).toBe(
      '--masquerade-all: expected true or false, got "maybe"',
    );
    expect(await fails([...flow, "--service-node-port-range", "30000"])).toBe(
      '--service-node-port-range: expected <low>-<high> such as 30000-32767, got "30000"',
    );
    expect(await fails([...flow, "--bogus"])).toMatch(/^svcsim explain: Unknown option '--bogus'/);
    expect(await fails([...flow, "--iptables-localhost-nodeports", "false"])).toBe(
      "--iptables-localhost-nodeports: write --iptables-localhost-nodeports=false (a boolean flag takes no separate value)",
    );
  });

  it("a malformed dump names the file and line", async () => {
    const bad = writeTemp(
      "bad.iptables",
      "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m nosuchmatch -j ACCEPT\nCOMMIT\n",
    );
    expect(await fails(["--iptables-save", bad, "--from", "10.0.0.2", "--to", "10.0.0.1:80/tcp"])).toMatch(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: line 3: `),
    );
  });

  it("manifests outside the service CIDR name the file and field", async () => {
    const suite = SUITES.find((s) => s.name === "TestClusterIPGeneral")!;
    const file = manifestFile(suite.objects);
    expect(await fails(["--manifests", file, "--from", "10.0.0.2", "--to", "10.0.0.1:80/tcp"])).toContain(
      `${file}: document 1, Service ns1/svc1: spec.clusterIP: 172.30.0.41 is not in the valid range`,
    );
  });
});

describe("readable walk", () => {
  it("shows every path with its probability and the statistic draws", async () => {
    const suite = SUITES.find((s) => s.name === "TestClusterIPGeneral")!;
    const r = await capture(() =>
      explainCommand([
        "--manifests",
        manifestFile(suite.objects),
        ...FAKE_PROXIER_FLAGS,
        "--from",
        "10.180.0.2",
        "--to",
        "172.30.0.42:80/tcp",
      ]),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("10.180.0.2 -> 172.30.0.42:80/tcp: arriving at the node (PREROUTING)");
    expect(r.stdout).toContain("output: 10.180.0.1:80, 10.180.2.1:80");
    expect(r.stdout).toContain("path 1 of 2 (50.00%): 10.180.0.1:80, forwarded");
    expect(r.stdout).toContain("[random taken, p=0.5000]");
    expect(r.stdout).toContain("[random not taken, p=0.5000]");
  });
});
