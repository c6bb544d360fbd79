/**
 * Packet-flow tables of kubernetes pkg/proxy/iptables/proxier_test.go
 * (TestNoEndpointsReject, TestClusterIPGeneral, TestLoadBalancer,
 * TestExternalTrafficPolicyLocal/Cluster, TestNodePorts, TestHealthCheckNodePort):
 * the Services and EndpointSlices each test builds, the NewFakeProxier
 * settings it changes (as kube-proxy flags), and its packetFlowTest rows with
 * the Go test's expected `output` and `masq`. Objects come from the shared
 * proxier_test.go builders in ../proxy/fixtures.ts.
 */
import type { EndpointSlice, Service } from "../../src/api/index.ts";
import {
  TEST_EXTERNAL_CLIENT_BLOCKED as BLOCKED,
  TEST_EXTERNAL_CLIENT as EXT,
  ep,
  epPort,
  makeService,
  makeSlice,
  TEST_NODE_IP as NODE,
  TEST_NODE_IP_ALT as NODE_ALT,
  port,
} from "../proxy/fixtures.ts";

/** proxier_test.go packetFlowTest (a flows-file row: output and masq are carried along). */
export interface FlowRow {
  name: string;
  sourceIP: string;
  protocol?: "TCP" | "UDP" | "SCTP";
  destIP: string;
  destPort: number;
  output: string;
  masq?: boolean;
}

/** One Go test: its objects, extra flags, and rows. */
export interface Suite {
  name: string;
  objects: (Service | EndpointSlice)[];
  flags: string[];
  rows: FlowRow[];
  /** False for the Go test's `fp.localDetector = NewNoOpLocalDetector()`: no --cluster-cidr. */
  detectLocal?: boolean;
}

/** One packetFlowTest row (masq defaults to false, as in Go). */
export const row = (
  name: string,
  sourceIP: string,
  destIP: string,
  destPort: number,
  output: string,
  masq = false,
) => ({
  name,
  sourceIP,
  destIP,
  destPort,
  output,
  masq,
});

const noEndpoints = makeService("ns1", "svc1", (s) => {
  s.spec.type = "LoadBalancer";
  s.spec.clusterIP = "172.30.0.41";
  s.spec.externalIPs = ["192.168.99.11"];
  s.spec.ports = [port("p80", 80, "TCP", 3001)];
  s.status.loadBalancer.ingress = [{ ip: "1.2.3.4" }];
});

const clusterIPs = [
  makeService("ns1", "svc1", (s) => {
    s.spec.clusterIP = "172.30.0.41";
    s.spec.ports = [port("http", 80)];
  }),
  makeService("ns2", "svc2", (s) => {
    s.spec.clusterIP = "172.30.0.42";
    s.spec.ports = [
      port("http", 80),
      { ...port("https", 443), targetPort: 8443 },
      port("dns-udp", 53, "UDP"),
      { ...port("dns-tcp", 53), targetPort: 5353 },
      port("dns-sctp", 53, "SCTP"),
    ];
  }),
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

const lbService = makeService("ns1", "svc1", (s) => {
  s.spec.type = "LoadBalancer";
  s.spec.clusterIP = "172.30.0.41";
  s.spec.ports = [port("p80", 80, "TCP", 3001)];
  s.status.loadBalancer.ingress = [{ ip: "1.2.3.4" }, { ip: "5.6.7.8" }];
  // Regression test that excess whitespace gets ignored (as in the Go test).
  s.spec.loadBalancerSourceRanges = ["192.168.0.0/24", " 203.0.113.0/25"];
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
const BOTH = "10.180.0.1:80, 10.180.2.1:80";
const ONE = "10.180.0.1:80";

function nodePortSuite(name: string, flags: string[], localhost: boolean, allowAlt: boolean): Suite {
  const svc = makeService("ns1", "svc1", (s) => {
    s.spec.type = "NodePort";
    s.spec.clusterIP = "172.30.0.41";
    s.spec.ports = [port("p80", 80, "TCP", 3001)];
  });
  return {
    name: `TestNodePorts: ${name}`,
    objects: [svc, twoEndpoints],
    flags,
    rows: [
      row("pod to cluster IP", "10.0.0.2", "172.30.0.41", 80, BOTH),
      row("external to nodePort", EXT, NODE, 3001, BOTH, true),
      row("node to nodePort", NODE, NODE, 3001, BOTH, true),
      localhost
        ? row("localhost to nodePort gets masqueraded", "127.0.0.1", "127.0.0.1", 3001, BOTH, true)
        : row("localhost to nodePort is ignored", "127.0.0.1", "127.0.0.1", 3001, ""),
      allowAlt
        ? row("external to nodePort on secondary IP", EXT, NODE_ALT, 3001, BOTH, true)
        : row("secondary nodeIP ignores NodePorts", EXT, NODE_ALT, 3001, ""),
    ],
  };
}

/** Every suite, with the Go test's rows and expectations. */
export const SUITES: Suite[] = [
  {
    name: "TestNoEndpointsReject",
    objects: [noEndpoints],
    flags: [],
    rows: [
      row("pod to cluster IP with no endpoints", "10.0.0.2", "172.30.0.41", 80, "REJECT"),
      row("external to external IP with no endpoints", EXT, "192.168.99.11", 80, "REJECT"),
      row("pod to NodePort with no endpoints", "10.0.0.2", NODE, 3001, "REJECT"),
      row("external to NodePort with no endpoints", EXT, NODE, 3001, "REJECT"),
      row("pod to LoadBalancer IP with no endpoints", "10.0.0.2", "1.2.3.4", 80, "REJECT"),
      row("external to LoadBalancer IP with no endpoints", EXT, "1.2.3.4", 80, "REJECT"),
    ],
  },
  {
    name: "TestClusterIPGeneral",
    objects: clusterIPs,
    flags: [],
    rows: [
      row("simple clusterIP", "10.180.0.2", "172.30.0.41", 80, ONE),
      row("hairpin to cluster IP", "10.180.0.1", "172.30.0.41", 80, ONE, true),
      row("clusterIP with multiple endpoints", "10.180.0.2", "172.30.0.42", 80, "10.180.0.1:80, 10.180.2.1:80"),
      row("clusterIP with TargetPort", "10.180.0.2", "172.30.0.42", 443, "10.180.0.1:8443, 10.180.2.1:8443"),
      { ...row("TCP", "10.180.0.2", "172.30.0.42", 53, "10.180.0.1:5353, 10.180.2.1:5353"), protocol: "TCP" },
      { ...row("UDP", "10.180.0.2", "172.30.0.42", 53, "10.180.0.1:53, 10.180.2.1:53"), protocol: "UDP" },
      { ...row("SCTP", "10.180.0.2", "172.30.0.42", 53, "10.180.0.1:53, 10.180.2.1:53"), protocol: "SCTP" },
      { ...row("TCP-only port does not match UDP traffic", "10.180.0.2", "172.30.0.42", 80, ""), protocol: "UDP" },
      row("svc1 does not accept svc2's ports", "10.180.0.2", "172.30.0.41", 443, ""),
    ],
  },
  {
    name: "TestLoadBalancer",
    objects: [lbService, makeSlice("ns1", "svc1", 1, [ep("10.180.0.1")], [epPort("p80", 80)])],
    flags: [],
    rows: [
      row("pod to cluster IP", "10.0.0.2", "172.30.0.41", 80, ONE),
      row("external to nodePort", EXT, NODE, 3001, ONE, true),
      row("nodePort bypasses LoadBalancerSourceRanges", BLOCKED, NODE, 3001, ONE, true),
      row("accepted external to LB1", EXT, "1.2.3.4", 80, ONE, true),
      row("accepted external to LB2", EXT, "5.6.7.8", 80, ONE, true),
      row("blocked external to LB1", BLOCKED, "1.2.3.4", 80, "DROP"),
      row("blocked external to LB2", BLOCKED, "5.6.7.8", 80, "DROP"),
      row("pod to LB1 (blocked by LoadBalancerSourceRanges)", "10.0.0.2", "1.2.3.4", 80, "DROP"),
      row("pod to LB2 (blocked by LoadBalancerSourceRanges)", "10.0.0.2", "5.6.7.8", 80, "DROP"),
      row("node to LB1 (allowed by LoadBalancerSourceRanges)", NODE, "1.2.3.4", 80, ONE, true),
      row("node to LB2 (allowed by LoadBalancerSourceRanges)", NODE, "5.6.7.8", 80, ONE, true),
      row("same node to LB1, SNATted to LB1 (implicitly allowed)", "1.2.3.4", "1.2.3.4", 80, ONE, true),
      row("same node to LB2, SNATted to LB2 (implicitly allowed)", "5.6.7.8", "5.6.7.8", 80, ONE, true),
    ],
  },
  {
    name: "TestExternalTrafficPolicyLocal",
    objects: [policyService("Local"), twoEndpoints],
    flags: [],
    rows: [
      row("pod to cluster IP hits both endpoints, unmasqueraded", "10.0.0.2", "172.30.0.41", 80, BOTH),
      row("pod to external IP hits both endpoints, unmasqueraded", "10.0.0.2", "192.168.99.11", 80, BOTH),
      row("external to external IP hits only local endpoint, unmasqueraded", EXT, "192.168.99.11", 80, "10.180.2.1:80"),
      row("pod to LB IP hits only both endpoints, unmasqueraded", "10.0.0.2", "1.2.3.4", 80, BOTH),
      row("external to LB IP hits only local endpoint, unmasqueraded", EXT, "1.2.3.4", 80, "10.180.2.1:80"),
      row("pod to NodePort hits both endpoints, unmasqueraded", "10.0.0.2", NODE, 3001, BOTH),
      row("external to NodePort hits only local endpoint, unmasqueraded", EXT, NODE, 3001, "10.180.2.1:80"),
    ],
  },
  {
    name: "TestExternalTrafficPolicyCluster",
    objects: [policyService("Cluster"), twoEndpoints],
    flags: [],
    rows: [
      row("pod to cluster IP hits both endpoints, unmasqueraded", "10.0.0.2", "172.30.0.41", 80, BOTH),
      row("pod to external IP hits both endpoints, masqueraded", "10.0.0.2", "192.168.99.11", 80, BOTH, true),
      row("external to external IP hits both endpoints, masqueraded", EXT, "192.168.99.11", 80, BOTH, true),
      row("pod to LB IP hits both endpoints, masqueraded", "10.0.0.2", "1.2.3.4", 80, BOTH, true),
      row("external to LB IP hits both endpoints, masqueraded", EXT, "1.2.3.4", 80, BOTH, true),
      row("pod to NodePort hits both endpoints, masqueraded", "10.0.0.2", NODE, 3001, BOTH, true),
      row("external to NodePort hits both endpoints, masqueraded", EXT, NODE, 3001, BOTH, true),
    ],
  },
  nodePortSuite("ipv4, localhost-nodeports enabled", [], true, true),
  nodePortSuite("ipv4, localhost-nodeports disabled", ["--iptables-localhost-nodeports=false"], false, true),
  nodePortSuite(
    "ipv4, localhost-nodeports disabled, localhost in nodeport-addresses",
    ["--iptables-localhost-nodeports=false", "--nodeport-addresses", "192.168.0.0/24,127.0.0.1/32"],
    false,
    false,
  ),
  nodePortSuite(
    "ipv4, localhost-nodeports enabled, multiple nodeport-addresses",
    ["--iptables-localhost-nodeports=false", "--nodeport-addresses", "192.168.0.0/24,192.168.1.0/24,2001:db8::/64"],
    false,
    true,
  ),
  {
    name: "TestHealthCheckNodePort",
    objects: [
      makeService("ns1", "svc1", (s) => {
        s.spec.type = "LoadBalancer";
        s.spec.clusterIP = "172.30.0.42";
        s.spec.ports = [port("p80", 80, "TCP", 3001)];
        s.spec.healthCheckNodePort = 30000;
        s.spec.externalTrafficPolicy = "Local";
      }),
    ],
    flags: ["--nodeport-addresses", "127.0.0.0/8"],
    rows: [row("firewall accepts HealthCheckNodePort", "1.2.3.4", NODE, 30000, "ACCEPT")],
  },
];
