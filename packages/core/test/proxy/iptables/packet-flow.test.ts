/**
 * Packet-flow tests from kubernetes pkg/proxy/iptables/proxier_test.go, run by a
 * port of its tracer over svcsim's programmed tables (`iptables-save` of the
 * node model, including the jump rules from PREROUTING). Inputs and expected
 * outputs are the Go tests'.
 */
import { describe, expect, it } from "vitest";
import type { EndpointSlice, Service } from "../../../src/api/index.ts";
import { ms } from "../../../src/engine/index.ts";
import type { IptablesProxierConfig } from "../../../src/proxy/index.ts";
import { IptablesProgrammer } from "../../../src/proxy/index.ts";
import {
  ep,
  epPort,
  fakeProxierConfig,
  makeService,
  makeSlice,
  port,
  TEST_EXTERNAL_CLIENT,
  TEST_EXTERNAL_CLIENT_BLOCKED,
  TEST_NODE_IP,
  TEST_NODE_IP_ALT,
  TEST_NODE_IPS,
  view,
} from "../fixtures.ts";
import { type PacketFlowTest, tracePacket } from "./tracer.ts";

function program(services: Service[], slices: EndpointSlice[], cfg: Partial<IptablesProxierConfig> = {}) {
  const p = new IptablesProgrammer(fakeProxierConfig(cfg));
  p.sync(view(services, slices), true, ms(0));
  return p;
}

function runPacketFlowTests(p: IptablesProgrammer, cases: PacketFlowTest[]): void {
  const save = p.iptablesSave();
  for (const tc of cases) {
    const got = tracePacket(save, tc, TEST_NODE_IPS);
    expect({ name: tc.name, output: got.output, masq: got.masq }).toEqual({
      name: tc.name,
      output: tc.output,
      masq: tc.masq ?? false,
    });
  }
}

describe("TestNoEndpointsReject", () => {
  it("rejects ClusterIP, external IP, NodePort and LB IP traffic of a Service with no endpoints", () => {
    const svc = makeService("ns1", "svc1", (s) => {
      s.spec.type = "LoadBalancer";
      s.spec.clusterIP = "172.30.0.41";
      s.spec.externalIPs = ["192.168.99.11"];
      s.spec.ports = [port("p80", 80, "TCP", 3001)];
      s.status.loadBalancer.ingress = [{ ip: "1.2.3.4" }];
    });
    runPacketFlowTests(program([svc], []), [
      {
        name: "pod to cluster IP with no endpoints",
        sourceIP: "10.0.0.2",
        destIP: "172.30.0.41",
        destPort: 80,
        output: "REJECT",
      },
      {
        name: "external to external IP with no endpoints",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: "192.168.99.11",
        destPort: 80,
        output: "REJECT",
      },
      {
        name: "pod to NodePort with no endpoints",
        sourceIP: "10.0.0.2",
        destIP: TEST_NODE_IP,
        destPort: 3001,
        output: "REJECT",
      },
      {
        name: "external to NodePort with no endpoints",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: TEST_NODE_IP,
        destPort: 3001,
        output: "REJECT",
      },
      {
        name: "pod to LoadBalancer IP with no endpoints",
        sourceIP: "10.0.0.2",
        destIP: "1.2.3.4",
        destPort: 80,
        output: "REJECT",
      },
      {
        name: "external to LoadBalancer IP with no endpoints",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: "1.2.3.4",
        destPort: 80,
        output: "REJECT",
      },
    ]);
  });
});

describe("TestClusterIPGeneral", () => {
  it("handles hairpin, multiple endpoints, target ports and TCP/UDP/SCTP on one port number", () => {
    const svc1 = makeService("ns1", "svc1", (s) => {
      s.spec.clusterIP = "172.30.0.41";
      s.spec.ports = [port("http", 80)];
    });
    const svc2 = makeService("ns2", "svc2", (s) => {
      s.spec.clusterIP = "172.30.0.42";
      s.spec.ports = [
        port("http", 80),
        { ...port("https", 443), targetPort: 8443 },
        port("dns-udp", 53, "UDP"),
        { ...port("dns-tcp", 53), targetPort: 5353 },
        port("dns-sctp", 53, "SCTP"),
      ];
    });
    const slices = [
      makeSlice("ns1", "svc1", 1, [ep("10.180.0.1", "test-node")], [epPort("http", 80)]),
      makeSlice(
        "ns2",
        "svc2",
        1,
        [ep("10.180.0.1", "test-node"), ep("10.180.2.1", "node2")],
        [
          epPort("http", 80),
          epPort("https", 8443),
          epPort("dns-udp", 53, "UDP"),
          epPort("dns-tcp", 5353),
          epPort("dns-sctp", 53, "SCTP"),
        ],
      ),
    ];
    runPacketFlowTests(program([svc1, svc2], slices), [
      {
        name: "simple clusterIP",
        sourceIP: "10.180.0.2",
        destIP: "172.30.0.41",
        destPort: 80,
        output: "10.180.0.1:80",
      },
      {
        name: "hairpin to cluster IP",
        sourceIP: "10.180.0.1",
        destIP: "172.30.0.41",
        destPort: 80,
        output: "10.180.0.1:80",
        masq: true,
      },
      {
        name: "clusterIP with multiple endpoints",
        sourceIP: "10.180.0.2",
        destIP: "172.30.0.42",
        destPort: 80,
        output: "10.180.0.1:80, 10.180.2.1:80",
      },
      {
        name: "clusterIP with TargetPort",
        sourceIP: "10.180.0.2",
        destIP: "172.30.0.42",
        destPort: 443,
        output: "10.180.0.1:8443, 10.180.2.1:8443",
      },
      {
        name: "TCP",
        sourceIP: "10.180.0.2",
        protocol: "TCP",
        destIP: "172.30.0.42",
        destPort: 53,
        output: "10.180.0.1:5353, 10.180.2.1:5353",
      },
      {
        name: "UDP",
        sourceIP: "10.180.0.2",
        protocol: "UDP",
        destIP: "172.30.0.42",
        destPort: 53,
        output: "10.180.0.1:53, 10.180.2.1:53",
      },
      {
        name: "SCTP",
        sourceIP: "10.180.0.2",
        protocol: "SCTP",
        destIP: "172.30.0.42",
        destPort: 53,
        output: "10.180.0.1:53, 10.180.2.1:53",
      },
      {
        name: "TCP-only port does not match UDP traffic",
        sourceIP: "10.180.0.2",
        protocol: "UDP",
        destIP: "172.30.0.42",
        destPort: 80,
        output: "",
      },
      {
        name: "svc1 does not accept svc2's ports",
        sourceIP: "10.180.0.2",
        destIP: "172.30.0.41",
        destPort: 443,
        output: "",
      },
    ]);
  });
});

describe("TestLoadBalancer", () => {
  it("applies loadBalancerSourceRanges through KUBE-FW and KUBE-PROXY-FIREWALL, not to NodePorts", () => {
    const svc = makeService("ns1", "svc1", (s) => {
      s.spec.type = "LoadBalancer";
      s.spec.clusterIP = "172.30.0.41";
      s.spec.ports = [port("p80", 80, "TCP", 3001)];
      s.status.loadBalancer.ingress = [{ ip: "1.2.3.4" }, { ip: "5.6.7.8" }];
      // Regression test that excess whitespace gets ignored.
      s.spec.loadBalancerSourceRanges = ["192.168.0.0/24", " 203.0.113.0/25"];
    });
    const slice = makeSlice("ns1", "svc1", 1, [ep("10.180.0.1")], [epPort("p80", 80)]);
    const out = "10.180.0.1:80";
    runPacketFlowTests(program([svc], [slice]), [
      { name: "pod to cluster IP", sourceIP: "10.0.0.2", destIP: "172.30.0.41", destPort: 80, output: out },
      {
        name: "external to nodePort",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: TEST_NODE_IP,
        destPort: 3001,
        output: out,
        masq: true,
      },
      {
        name: "nodePort bypasses LoadBalancerSourceRanges",
        sourceIP: TEST_EXTERNAL_CLIENT_BLOCKED,
        destIP: TEST_NODE_IP,
        destPort: 3001,
        output: out,
        masq: true,
      },
      {
        name: "accepted external to LB1",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: "1.2.3.4",
        destPort: 80,
        output: out,
        masq: true,
      },
      {
        name: "accepted external to LB2",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: "5.6.7.8",
        destPort: 80,
        output: out,
        masq: true,
      },
      {
        name: "blocked external to LB1",
        sourceIP: TEST_EXTERNAL_CLIENT_BLOCKED,
        destIP: "1.2.3.4",
        destPort: 80,
        output: "DROP",
      },
      {
        name: "blocked external to LB2",
        sourceIP: TEST_EXTERNAL_CLIENT_BLOCKED,
        destIP: "5.6.7.8",
        destPort: 80,
        output: "DROP",
      },
      {
        name: "pod to LB1 (blocked by LoadBalancerSourceRanges)",
        sourceIP: "10.0.0.2",
        destIP: "1.2.3.4",
        destPort: 80,
        output: "DROP",
      },
      {
        name: "pod to LB2 (blocked by LoadBalancerSourceRanges)",
        sourceIP: "10.0.0.2",
        destIP: "5.6.7.8",
        destPort: 80,
        output: "DROP",
      },
      {
        name: "node to LB1 (allowed by LoadBalancerSourceRanges)",
        sourceIP: TEST_NODE_IP,
        destIP: "1.2.3.4",
        destPort: 80,
        output: out,
        masq: true,
      },
      {
        name: "node to LB2 (allowed by LoadBalancerSourceRanges)",
        sourceIP: TEST_NODE_IP,
        destIP: "5.6.7.8",
        destPort: 80,
        output: out,
        masq: true,
      },
      {
        name: "same node to LB1, SNATted to LB1 (implicitly allowed)",
        sourceIP: "1.2.3.4",
        destIP: "1.2.3.4",
        destPort: 80,
        output: out,
        masq: true,
      },
      {
        name: "same node to LB2, SNATted to LB2 (implicitly allowed)",
        sourceIP: "5.6.7.8",
        destIP: "5.6.7.8",
        destPort: 80,
        output: out,
        masq: true,
      },
    ]);
  });
});

function policyService(policy: "Local" | "Cluster"): Service {
  return makeService("ns1", "svc1", (s) => {
    s.spec.type = "LoadBalancer";
    s.spec.externalTrafficPolicy = policy;
    s.spec.clusterIP = "172.30.0.41";
    s.spec.externalIPs = ["192.168.99.11"];
    s.spec.ports = [port("p80", 80, "TCP", 3001)];
    if (policy === "Local") s.spec.healthCheckNodePort = 30000;
    s.status.loadBalancer.ingress = [{ ip: "1.2.3.4" }];
  });
}

const twoEndpoints = makeSlice(
  "ns1",
  "svc1",
  1,
  [ep("10.180.0.1"), ep("10.180.2.1", "test-node")],
  [epPort("p80", 80)],
);

describe("TestExternalTrafficPolicyLocal", () => {
  it("keeps external traffic on local endpoints, unmasqueraded; short-circuits pod traffic", () => {
    const both = "10.180.0.1:80, 10.180.2.1:80";
    const local = "10.180.2.1:80";
    runPacketFlowTests(program([policyService("Local")], [twoEndpoints]), [
      {
        name: "pod to cluster IP hits both endpoints, unmasqueraded",
        sourceIP: "10.0.0.2",
        destIP: "172.30.0.41",
        destPort: 80,
        output: both,
      },
      {
        name: "pod to external IP hits both endpoints, unmasqueraded",
        sourceIP: "10.0.0.2",
        destIP: "192.168.99.11",
        destPort: 80,
        output: both,
      },
      {
        name: "external to external IP hits only local endpoint, unmasqueraded",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: "192.168.99.11",
        destPort: 80,
        output: local,
      },
      {
        name: "pod to LB IP hits only both endpoints, unmasqueraded",
        sourceIP: "10.0.0.2",
        destIP: "1.2.3.4",
        destPort: 80,
        output: both,
      },
      {
        name: "external to LB IP hits only local endpoint, unmasqueraded",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: "1.2.3.4",
        destPort: 80,
        output: local,
      },
      {
        name: "pod to NodePort hits both endpoints, unmasqueraded",
        sourceIP: "10.0.0.2",
        destIP: TEST_NODE_IP,
        destPort: 3001,
        output: both,
      },
      {
        name: "external to NodePort hits only local endpoint, unmasqueraded",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: TEST_NODE_IP,
        destPort: 3001,
        output: local,
      },
    ]);
  });
});

describe("TestExternalTrafficPolicyCluster", () => {
  it("masquerades all externally-addressed traffic and spreads it over every endpoint", () => {
    const both = "10.180.0.1:80, 10.180.2.1:80";
    runPacketFlowTests(program([policyService("Cluster")], [twoEndpoints]), [
      {
        name: "pod to cluster IP hits both endpoints, unmasqueraded",
        sourceIP: "10.0.0.2",
        destIP: "172.30.0.41",
        destPort: 80,
        output: both,
      },
      {
        name: "pod to external IP hits both endpoints, masqueraded",
        sourceIP: "10.0.0.2",
        destIP: "192.168.99.11",
        destPort: 80,
        output: both,
        masq: true,
      },
      {
        name: "external to external IP hits both endpoints, masqueraded",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: "192.168.99.11",
        destPort: 80,
        output: both,
        masq: true,
      },
      {
        name: "pod to LB IP hits both endpoints, masqueraded",
        sourceIP: "10.0.0.2",
        destIP: "1.2.3.4",
        destPort: 80,
        output: both,
        masq: true,
      },
      {
        name: "external to LB IP hits both endpoints, masqueraded",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: "1.2.3.4",
        destPort: 80,
        output: both,
        masq: true,
      },
      {
        name: "pod to NodePort hits both endpoints, masqueraded",
        sourceIP: "10.0.0.2",
        destIP: TEST_NODE_IP,
        destPort: 3001,
        output: both,
        masq: true,
      },
      {
        name: "external to NodePort hits both endpoints, masqueraded",
        sourceIP: TEST_EXTERNAL_CLIENT,
        destIP: TEST_NODE_IP,
        destPort: 3001,
        output: both,
        masq: true,
      },
    ]);
  });
});

describe("TestNodePorts (IPv4 cases)", () => {
  const cases = [
    { name: "ipv4, localhost-nodeports enabled", localhost: true, addrs: undefined, allowAlt: true, firewall: true },
    { name: "ipv4, localhost-nodeports disabled", localhost: false, addrs: undefined, allowAlt: true, firewall: false },
    {
      name: "ipv4, localhost-nodeports disabled, localhost in nodeport-addresses",
      localhost: false,
      addrs: ["192.168.0.0/24", "127.0.0.1/32"],
      allowAlt: false,
      firewall: false,
    },
    {
      name: "ipv4, localhost-nodeports enabled, multiple nodeport-addresses",
      localhost: false,
      addrs: ["192.168.0.0/24", "192.168.1.0/24", "2001:db8::/64"],
      allowAlt: true,
      firewall: false,
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const svc = makeService("ns1", "svc1", (s) => {
        s.spec.type = "NodePort";
        s.spec.clusterIP = "172.30.0.41";
        s.spec.ports = [port("p80", 80, "TCP", 3001)];
      });
      const slice = makeSlice("ns1", "svc1", 1, [ep("10.180.0.1"), ep("10.180.2.1", "test-node")], [epPort("p80", 80)]);
      const p = program([svc], [slice], {
        localhostNodePorts: tc.localhost,
        ...(tc.addrs ? { nodePortAddresses: tc.addrs } : {}),
      });
      const output = "10.180.0.1:80, 10.180.2.1:80";
      runPacketFlowTests(p, [
        { name: "pod to cluster IP", sourceIP: "10.0.0.2", destIP: "172.30.0.41", destPort: 80, output },
        {
          name: "external to nodePort",
          sourceIP: TEST_EXTERNAL_CLIENT,
          destIP: TEST_NODE_IP,
          destPort: 3001,
          output,
          masq: true,
        },
        { name: "node to nodePort", sourceIP: TEST_NODE_IP, destIP: TEST_NODE_IP, destPort: 3001, output, masq: true },
        tc.localhost
          ? {
              name: "localhost to nodePort gets masqueraded",
              sourceIP: "127.0.0.1",
              destIP: "127.0.0.1",
              destPort: 3001,
              output,
              masq: true,
            }
          : {
              name: "localhost to nodePort is ignored",
              sourceIP: "127.0.0.1",
              destIP: "127.0.0.1",
              destPort: 3001,
              output: "",
            },
        tc.allowAlt
          ? {
              name: "external to nodePort on secondary IP",
              sourceIP: TEST_EXTERNAL_CLIENT,
              destIP: TEST_NODE_IP_ALT,
              destPort: 3001,
              output,
              masq: true,
            }
          : {
              name: "secondary nodeIP ignores NodePorts",
              sourceIP: TEST_EXTERNAL_CLIENT,
              destIP: TEST_NODE_IP_ALT,
              destPort: 3001,
              output: "",
            },
      ]);
      const firewall = p.lastRestoreInput.split("\n").filter((l) => l.startsWith("-A KUBE-FIREWALL "));
      expect(firewall).toEqual(
        tc.firewall
          ? [
              '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
            ]
          : [],
      );
    });
  }
});

describe("TestHealthCheckNodePort", () => {
  it("accepts the health-check node port while the Service exists, and removes the rule after", () => {
    const svc = makeService("ns1", "svc1", (s) => {
      s.spec.type = "LoadBalancer";
      s.spec.clusterIP = "172.30.0.42";
      s.spec.ports = [port("p80", 80, "TCP", 3001)];
      s.spec.healthCheckNodePort = 30000;
      s.spec.externalTrafficPolicy = "Local";
    });
    const p = new IptablesProgrammer(fakeProxierConfig({ nodePortAddresses: ["127.0.0.0/8"] }));
    p.sync(view([svc], []), true, ms(0));
    const probe = {
      name: "firewall accepts HealthCheckNodePort",
      sourceIP: "1.2.3.4",
      destIP: TEST_NODE_IP,
      destPort: 30000,
    };
    runPacketFlowTests(p, [{ ...probe, output: "ACCEPT" }]);
    p.sync(view([], []), false, ms(1));
    runPacketFlowTests(p, [{ ...probe, name: "HealthCheckNodePort no longer has any rule", output: "" }]);
  });
});

describe("TestDropInvalidRule and TestMasqueradeRule", () => {
  const forwardRules = (cfg: Partial<IptablesProxierConfig>) =>
    new IptablesProgrammer(fakeProxierConfig(cfg))
      .sync(view([], []), true, ms(0))
      .restoreInput.split("\n")
      .filter((l) => l.startsWith("-A KUBE-FORWARD "));
  const accept = [
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  ];

  it("drops INVALID in KUBE-FORWARD, counting with nfacct when the counter exists, not with tcp_be_liberal", () => {
    expect(forwardRules({ nfacct: false })).toEqual([
      "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
      ...accept,
    ]);
    expect(forwardRules({ nfacct: true })).toEqual([
      "-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP",
      ...accept,
    ]);
    expect(forwardRules({ nfacct: false, conntrackTCPLiberal: true })).toEqual(accept);
  });

  for (const randomFully of [false, true]) {
    it(`writes KUBE-POSTROUTING (randomFully ${randomFully})`, () => {
      const rules = new IptablesProgrammer(fakeProxierConfig({ randomFully }))
        .sync(view([], []), true, ms(0))
        .restoreInput.split("\n")
        .filter((l) => l.startsWith("-A KUBE-POSTROUTING "));
      expect(rules).toEqual([
        "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
        "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
        `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${randomFully ? " --random-fully" : ""}`,
      ]);
    });
  }
});
