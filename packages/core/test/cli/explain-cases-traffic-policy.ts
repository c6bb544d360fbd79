/**
 * Packet-flow tables of kubernetes pkg/proxy/iptables/proxier_test.go about
 * traffic policies: TestInternalTrafficPolicy and
 * TestTerminatingEndpointsTrafficPolicyLocal/Cluster (KEP-1669's fallback to
 * serving-terminating endpoints). Each Go sub-test syncs once with its
 * EndpointSlice and once after deleting it; both syncs are suites here, the
 * second with the Service alone.
 */
import type { Endpoint, EndpointSlice, Service } from "../../src/api/index.ts";
import {
  TEST_EXTERNAL_CLIENT as EXT,
  ep,
  epPort,
  makeService,
  makeSlice,
  TEST_NODE_NAME as NODE,
  port,
} from "../proxy/fixtures.ts";
import { type FlowRow, row, type Suite } from "./kube-proxy-cases.ts";

const READY = { ready: true, serving: true, terminating: false };
const SERVING_TERMINATING = { ready: false, serving: true, terminating: true };
const TERMINATING = { ready: false, serving: false, terminating: true };

/** Both syncs of one Go sub-test: with the slice, then after OnEndpointSliceDelete. */
function withAndWithout(name: string, svc: Service, eps: Endpoint[], rows: FlowRow[], after: FlowRow[]): Suite[] {
  const slice: EndpointSlice = makeSlice("ns1", "svc1", 1, eps, [epPort("", 80)]);
  return [
    { name, objects: [svc, slice], flags: [], rows },
    { name: `${name}, endpoints deleted`, objects: [svc], flags: [], rows: after },
  ];
}

// TestInternalTrafficPolicy: a ClusterIP Service 172.30.1.1:80 (one unnamed port),
// ready endpoints with the given nodes.
function itpService(policy: "Cluster" | "Local"): Service {
  return makeService("ns1", "svc1", (s) => {
    s.spec.clusterIP = "172.30.1.1";
    s.spec.internalTrafficPolicy = policy;
    s.spec.ports = [port("", 80)];
  });
}
const itpEps = (nodes: string[]) => nodes.map((n, i) => ep(`10.0.1.${i + 1}`, n, { ready: true }));
const itpRow = (name: string, output: string) => row(name, "10.0.0.2", "172.30.1.1", 80, output);
const ITP_DELETED = [itpRow("endpoints deleted", "REJECT")];

const internalTrafficPolicy: Suite[] = [
  ...withAndWithout(
    "TestInternalTrafficPolicy: internalTrafficPolicy is cluster",
    itpService("Cluster"),
    itpEps([NODE, "node1", "node2"]),
    [itpRow("pod to ClusterIP hits all endpoints", "10.0.1.1:80, 10.0.1.2:80, 10.0.1.3:80")],
    ITP_DELETED,
  ),
  ...withAndWithout(
    "TestInternalTrafficPolicy: internalTrafficPolicy is local and there is one local endpoint",
    itpService("Local"),
    itpEps([NODE, "node1", "node2"]),
    [itpRow("pod to ClusterIP hits only local endpoint", "10.0.1.1:80")],
    ITP_DELETED,
  ),
  ...withAndWithout(
    "TestInternalTrafficPolicy: internalTrafficPolicy is local and there are multiple local endpoints",
    itpService("Local"),
    itpEps([NODE, NODE, "node2"]),
    [itpRow("pod to ClusterIP hits all local endpoints", "10.0.1.1:80, 10.0.1.2:80")],
    ITP_DELETED,
  ),
  ...withAndWithout(
    "TestInternalTrafficPolicy: internalTrafficPolicy is local and there are no local endpoints",
    itpService("Local"),
    itpEps(["node0", "node1", "node2"]),
    [itpRow("no endpoints", "DROP")],
    ITP_DELETED,
  ),
];

// TestTerminatingEndpointsTrafficPolicy*: a LoadBalancer Service 172.30.1.1:80 with LB IP
// 1.2.3.4 and no NodePort (the Go Service sets none; allocateLoadBalancerNodePorts: false
// keeps the manifest loader from allocating one). The Cluster variant's
// healthCheckNodePort is dropped: kube-proxy ignores it without eTP Local
// (service.go NeedsHealthCheck). Earlier versions of the test gave the Service ClientIP
// affinity (10800 s) with the same expectations: a first packet matches no `-m recent
// --rcheck` rule, so the statistic rules decide.
function terminatingService(policy: "Local" | "Cluster", affinity: boolean): Service {
  return makeService("ns1", "svc1", (s) => {
    if (affinity) {
      s.spec.sessionAffinity = "ClientIP";
      s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
    }
    s.spec.type = "LoadBalancer";
    s.spec.clusterIP = "172.30.1.1";
    s.spec.externalTrafficPolicy = policy;
    s.spec.allocateLoadBalancerNodePorts = false;
    s.spec.ports = [port("", 80)];
    if (policy === "Local") s.spec.healthCheckNodePort = 30000;
    s.status.loadBalancer.ingress = [{ ip: "1.2.3.4" }];
  });
}
const podRow = (output: string, name = "pod to clusterIP") => row(name, "10.0.0.2", "172.30.1.1", 80, output);
const lbRow = (output: string, masq: boolean, name = "external to LB") => row(name, EXT, "1.2.3.4", 80, output, masq);
const TERMINATING_DELETED = [
  podRow("REJECT", "pod to clusterIP after endpoints deleted"),
  lbRow("REJECT", false, "external to LB after endpoints deleted"),
];

function terminatingSuites(policy: "Local" | "Cluster", affinity = false): Suite[] {
  const name = (sub: string) =>
    `TestTerminatingEndpointsTrafficPolicy${policy}: ${sub}${affinity ? " (ClientIP affinity)" : ""}`;
  const svc = terminatingService(policy, affinity);
  const local = policy === "Local";
  const remote = local ? "node-1" : "another-node";
  return [
    ...withAndWithout(
      name("ready endpoints exist"),
      svc,
      [
        ep("10.0.1.1", NODE, READY),
        ep("10.0.1.2", NODE, READY),
        ep("10.0.1.3", local ? NODE : remote, SERVING_TERMINATING),
        ep("10.0.1.4", local ? NODE : remote, TERMINATING),
        ep("10.0.1.5", remote, READY),
      ],
      [
        podRow("10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80"),
        local ? lbRow("10.0.1.1:80, 10.0.1.2:80", false) : lbRow("10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80", true),
      ],
      TERMINATING_DELETED,
    ),
    ...withAndWithout(
      name("only terminating endpoints exist"),
      svc,
      [
        ep("10.0.1.2", NODE, SERVING_TERMINATING),
        ep("10.0.1.3", NODE, SERVING_TERMINATING),
        ep("10.0.1.4", local ? NODE : remote, TERMINATING),
        ep("10.0.1.5", remote, local ? READY : SERVING_TERMINATING),
      ],
      local
        ? [podRow("10.0.1.5:80"), lbRow("10.0.1.2:80, 10.0.1.3:80", false)]
        : [podRow("10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80"), lbRow("10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80", true)],
      TERMINATING_DELETED,
    ),
    ...withAndWithout(
      name("terminating endpoints on remote node"),
      svc,
      [ep("10.0.1.5", "node-1", SERVING_TERMINATING)],
      local
        ? [podRow("10.0.1.5:80"), lbRow("DROP", false, "external to LB, no locally-usable endpoints")]
        : [podRow("10.0.1.5:80"), lbRow("10.0.1.5:80", true)],
      TERMINATING_DELETED,
    ),
    ...withAndWithout(
      name("no usable endpoints on any node"),
      svc,
      [ep("10.0.1.5", NODE, TERMINATING), ep("10.0.1.5", "node-1", TERMINATING)],
      local
        ? [
            podRow("REJECT", "pod to clusterIP, no usable endpoints"),
            lbRow("REJECT", false, "external to LB, no usable endpoints"),
          ]
        : [podRow("REJECT"), lbRow("REJECT", false)],
      TERMINATING_DELETED,
    ),
  ];
}

/** Every traffic-policy suite, with the Go tests' rows and expectations. */
export const TRAFFIC_POLICY_SUITES: Suite[] = [
  ...internalTrafficPolicy,
  ...terminatingSuites("Local"),
  ...terminatingSuites("Cluster"),
  ...terminatingSuites("Local", true),
  ...terminatingSuites("Cluster", true),
];
