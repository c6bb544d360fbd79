/**
 * Packet-flow tables about external traffic that earlier versions of
 * kubernetes pkg/proxy/iptables/proxier_test.go held (before they were folded
 * into TestNodePorts and TestExternalTrafficPolicyLocal/Cluster): TestNodePort,
 * TestNonLocalExternalIPs, TestOnlyLocalNodePorts and
 * TestOnlyLocalNodePortsNoClusterCIDR — and the second half of
 * TestHealthCheckNodePort (after the Service is deleted). Same Services,
 * endpoints and expectations as the Go tests.
 */
import {
  TEST_EXTERNAL_CLIENT as EXT,
  ep,
  epPort,
  makeService,
  makeSlice,
  TEST_NODE_IP as NODE,
  port,
  TEST_NODE_NAME,
} from "../proxy/fixtures.ts";
import { row, type Suite } from "./kube-proxy-cases.ts";

const nodePortService = (local: boolean) =>
  makeService("ns1", "svc1", (s) => {
    s.spec.type = "NodePort";
    s.spec.clusterIP = "172.30.0.41";
    s.spec.ports = [port("p80", 80, "TCP", 3001)];
    if (local) s.spec.externalTrafficPolicy = "Local";
  });
const twoEndpoints = makeSlice(
  "ns1",
  "svc1",
  1,
  [ep("10.180.0.1"), ep("10.180.2.1", TEST_NODE_NAME)],
  [epPort("p80", 80)],
);
const BOTH = "10.180.0.1:80, 10.180.2.1:80";

// TestOnlyLocalNodePorts(NoClusterCIDR): nodePortAddresses 192.168.0.0/24 (and an IPv6
// CIDR, ignored for IPv4), localhostNodePorts false.
function onlyLocalNodePorts(name: string, detectLocal: boolean): Suite {
  return {
    name,
    objects: [nodePortService(true), twoEndpoints],
    flags: ["--iptables-localhost-nodeports=false", "--nodeport-addresses", "192.168.0.0/24,2001:db8::/64"],
    detectLocal,
    rows: [
      row("pod to cluster IP hit both endpoints", "10.0.0.2", "172.30.0.41", 80, BOTH),
      row("external to NodePort hits only local endpoint", EXT, NODE, 3001, "10.180.2.1:80"),
      row(
        "pod to localhost doesn't work because localhost is not in nodePortAddresses",
        "10.0.0.2",
        "127.0.0.1",
        3001,
        "",
      ),
      // With a detector, pod-to-NodePort is internal traffic (both endpoints); without one it
      // is (incorrectly, says the Go test) treated as external: only the local endpoint.
      detectLocal
        ? row("pod to NodePort hits both endpoints", "10.0.0.2", NODE, 3001, BOTH)
        : row("pod to NodePort hits only local endpoint", "10.0.0.2", NODE, 3001, "10.180.2.1:80"),
    ],
  };
}

/** The earlier Go tests' suites, with their rows and expectations. */
export const OLDER_SUITES: Suite[] = [
  {
    name: "TestNodePort",
    objects: [nodePortService(false), makeSlice("ns1", "svc1", 1, [ep("10.180.0.1")], [epPort("p80", 80)])],
    flags: [],
    rows: [
      row("pod to cluster IP", "10.0.0.2", "172.30.0.41", 80, "10.180.0.1:80"),
      row("external to nodePort", EXT, NODE, 3001, "10.180.0.1:80", true),
      row("node to nodePort", NODE, NODE, 3001, "10.180.0.1:80", true),
      row("localhost to nodePort gets masqueraded", "127.0.0.1", "127.0.0.1", 3001, "10.180.0.1:80", true),
    ],
  },
  {
    name: "TestNonLocalExternalIPs",
    objects: [
      makeService("ns1", "svc1", (s) => {
        s.spec.clusterIP = "172.30.0.41";
        s.spec.externalIPs = ["192.168.99.11"];
        s.spec.ports = [port("p80", 80)];
      }),
      twoEndpoints,
    ],
    flags: [],
    rows: [
      row("pod to cluster IP", "10.0.0.2", "172.30.0.41", 80, BOTH),
      row("external to external IP", EXT, "192.168.99.11", 80, BOTH, true),
    ],
  },
  onlyLocalNodePorts("TestOnlyLocalNodePorts", true),
  onlyLocalNodePorts("TestOnlyLocalNodePortsNoClusterCIDR", false),
  {
    name: "TestHealthCheckNodePort: after the Service is deleted",
    objects: [],
    flags: ["--nodeport-addresses", "127.0.0.0/8"],
    rows: [row("HealthCheckNodePort no longer has any rule", "1.2.3.4", NODE, 30000, "")],
  },
];
