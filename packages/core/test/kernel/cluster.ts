/**
 * Generated clusters for the kernel differential test: Services of every type
 * and traffic policy, with external IPs, load-balancer ingress IPs and source
 * ranges, ClientIP affinity, 0 to 4 endpoints on this node or another in
 * every readiness state, and the kube-proxy flags that change the rules
 * (cluster CIDR detection, --masquerade-all, --nodeport-addresses). Each
 * Service also says which kinds of source probe it, and the cluster becomes
 * the list of probe targets (address, port, protocol) with their sources.
 */
import fc from "fast-check";
import type { Endpoint, EndpointSlice, Service } from "../../src/api/index.ts";
import { isExternallyAccessible, validateService } from "../../src/api/index.ts";
import type { IptablesProxierConfig } from "../../src/proxy/index.ts";
import { makeService, makeSlice, TEST_NODE_NAME } from "../proxy/fixtures.ts";
import { NODE_ADDRESSES, NODE_IP, NODE_POD_SIDE_IP, type SourceKind } from "./topology.ts";

/** One endpoint: a slot of the address pool, on this node or another, in one readiness state. */
export interface GenEndpoint {
  readonly slot: number;
  readonly local: boolean;
  readonly state: number;
}

/** One generated Service. */
export interface GenService {
  readonly type: "ClusterIP" | "NodePort" | "LoadBalancer";
  readonly ports: readonly { proto: "TCP" | "UDP"; port: number; remapTarget: boolean }[];
  readonly externalIP: boolean;
  readonly lbIngress: boolean;
  readonly sourceRanges: readonly string[];
  readonly externalLocal: boolean;
  readonly internalLocal: boolean;
  readonly affinitySeconds: number | null;
  readonly publishNotReady: boolean;
  readonly endpoints: readonly GenEndpoint[];
  readonly sliceWhenEmpty: boolean;
  readonly sources: readonly SourceKind[];
}

/** One generated cluster, as seen by the node under test. */
export interface GenCluster {
  readonly clusterCIDR: boolean;
  readonly masqueradeAll: boolean;
  readonly nodePortAddresses: "all" | "eth0" | "eth0+lo";
  readonly services: readonly GenService[];
}

/** Endpoint conditions, as EndpointSlices carry them (nil conditions read as ready). */
const STATES: readonly Endpoint["conditions"][] = [
  {},
  { ready: true, serving: true, terminating: false },
  { ready: false, serving: true, terminating: true },
  { ready: false, serving: false, terminating: true },
  { ready: false, serving: false, terminating: false },
];

const SOURCE_KINDS: readonly SourceKind[] = [
  "pod",
  "hairpinLocal",
  "hairpinRemote",
  "extIn",
  "extOut",
  "otherNode",
  "node",
  "localhost",
];

/** The source ranges a LoadBalancer may allow: external clients (half), pods, the node network. */
const RANGE_POOL = ["203.0.113.0/25", "10.0.0.0/16", "192.168.0.0/24"];

/** An endpoint's address: 10.180.0.x on this node, 10.180.1.x on node2 (x = slot + 1). */
export function endpointIP(e: GenEndpoint): string {
  return `10.180.${e.local ? 0 : 1}.${e.slot + 1}`;
}

const endpointArb: fc.Arbitrary<GenEndpoint> = fc.record({
  slot: fc.integer({ min: 0, max: 3 }),
  local: fc.boolean(),
  state: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1) }, { weight: 2, arbitrary: fc.constantFrom(2, 3, 4) }),
});

const serviceArb: fc.Arbitrary<GenService> = fc.record({
  type: fc.constantFrom("ClusterIP", "NodePort", "LoadBalancer"),
  ports: fc.uniqueArray(
    fc.record({ proto: fc.constantFrom("TCP", "UDP"), port: fc.constantFrom(53, 80, 443), remapTarget: fc.boolean() }),
    { minLength: 1, maxLength: 2, selector: (p) => `${p.proto}/${p.port}` },
  ),
  externalIP: fc.boolean(),
  lbIngress: fc.boolean(),
  sourceRanges: fc.subarray(RANGE_POOL),
  externalLocal: fc.boolean(),
  internalLocal: fc.boolean(),
  affinitySeconds: fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom(60, 10800) },
  ),
  publishNotReady: fc.boolean(),
  endpoints: fc.uniqueArray(endpointArb, { maxLength: 4, selector: (e) => endpointIP(e) }),
  sliceWhenEmpty: fc.boolean(),
  sources: fc.subarray([...SOURCE_KINDS], { minLength: 2 }),
});

/** A cluster of 1 to 4 Services. */
export const clusterArb: fc.Arbitrary<GenCluster> = fc.record({
  clusterCIDR: fc.boolean(),
  masqueradeAll: fc.boolean(),
  nodePortAddresses: fc.constantFrom("all", "eth0", "eth0+lo"),
  services: fc.array(serviceArb, { minLength: 1, maxLength: 4 }),
});

/** Where probes go: one address, port and protocol, and which kinds of source send to it. */
export interface Target {
  readonly what: string;
  readonly proto: "tcp" | "udp";
  readonly dst: string;
  readonly dport: number;
  readonly sources: readonly SourceKind[];
  /** `svc0/p0`: the service port whose chains (and `-m recent` lists) the target leads to. */
  readonly svcPort?: string;
}

/** A generated cluster as API objects, kube-proxy flags and probe targets. */
export interface BuiltCluster {
  readonly services: Service[];
  readonly slices: EndpointSlice[];
  readonly config: IptablesProxierConfig;
  readonly targets: Target[];
}

const nodePortOf = (i: number, k: number) => 30000 + i * 10 + k;
const healthCheckPortOf = (i: number) => 30000 + i * 10 + 9;
const targetPortOf = (p: GenService["ports"][number], k: number) => (p.remapTarget ? 8000 + k : p.port);

function buildService(g: GenService, i: number): Service {
  const svc = makeService("kd", `svc${i}`, (s) => {
    s.spec.type = g.type;
    s.spec.clusterIP = `172.30.0.${10 + i}`;
    s.spec.ports = g.ports.map((p, k) => ({
      name: `p${k}`,
      protocol: p.proto,
      port: p.port,
      targetPort: targetPortOf(p, k),
      ...(g.type === "ClusterIP" ? {} : { nodePort: nodePortOf(i, k) }),
    }));
    if (g.externalIP) s.spec.externalIPs = [`192.168.99.${10 + i}`];
    if (isExternallyAccessible(g.type, s.spec.externalIPs)) {
      s.spec.externalTrafficPolicy = g.externalLocal ? "Local" : "Cluster";
    }
    s.spec.internalTrafficPolicy = g.internalLocal ? "Local" : "Cluster";
    if (g.affinitySeconds !== null) {
      s.spec.sessionAffinity = "ClientIP";
      s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: g.affinitySeconds } };
    }
    s.spec.publishNotReadyAddresses = g.publishNotReady;
    if (g.type === "LoadBalancer") {
      s.spec.loadBalancerSourceRanges = [...g.sourceRanges];
      if (g.lbIngress) s.status.loadBalancer.ingress = [{ ip: `198.51.100.${10 + i}` }];
      if (g.externalLocal) s.spec.healthCheckNodePort = healthCheckPortOf(i);
    }
  });
  const problems = validateService(svc);
  if (problems.length > 0) throw new Error(`generated an invalid Service svc${i}: ${JSON.stringify(problems)}`);
  return svc;
}

function buildSlice(g: GenService, i: number): EndpointSlice | undefined {
  if (g.endpoints.length === 0 && !g.sliceWhenEmpty) return undefined;
  const endpoints = g.endpoints.map((e) => ({
    addresses: [endpointIP(e)],
    conditions: STATES[e.state] ?? {},
    nodeName: e.local ? TEST_NODE_NAME : "node2",
  }));
  const ports = g.ports.map((p, k) => ({ name: `p${k}`, port: targetPortOf(p, k), protocol: p.proto }));
  return makeSlice("kd", `svc${i}`, 1, endpoints, ports);
}

function serviceTargets(g: GenService, svc: Service, i: number): Target[] {
  const out: Target[] = [];
  const remote = g.sources.filter((s) => s !== "localhost");
  const podSide = g.sources.filter((s) => ["pod", "hairpinLocal", "hairpinRemote", "node"].includes(s));
  const fromNode = g.sources.filter((s) => s === "localhost" || s === "node");
  let svcPort: string | undefined;
  const add = (what: string, proto: "tcp" | "udp", dst: string, dport: number, sources: readonly SourceKind[]) => {
    if (sources.length === 0) return;
    out.push({ what: `svc${i} ${what}`, proto, dst, dport, sources, ...(svcPort ? { svcPort } : {}) });
  };
  svc.spec.ports.forEach((p, k) => {
    svcPort = `svc${i}/p${k}`;
    const proto = p.protocol === "UDP" ? "udp" : "tcp";
    const name = `p${k} ${p.protocol}/${p.port}`;
    add(`${name} cluster IP`, proto, svc.spec.clusterIP as string, p.port, remote);
    for (const ip of svc.spec.externalIPs) add(`${name} external IP`, proto, ip, p.port, remote);
    for (const lb of svc.status.loadBalancer.ingress) add(`${name} LB IP`, proto, lb.ip as string, p.port, remote);
    if (p.nodePort !== undefined) {
      add(`${name} NodePort on eth0`, proto, NODE_IP, p.nodePort, remote);
      add(`${name} NodePort on eth1`, proto, NODE_POD_SIDE_IP, p.nodePort, podSide);
      add(`${name} NodePort on localhost`, proto, "127.0.0.1", p.nodePort, fromNode);
    }
  });
  svcPort = undefined;
  if (svc.spec.healthCheckNodePort !== undefined) {
    add("health check NodePort", "tcp", NODE_IP, svc.spec.healthCheckNodePort, remote);
  }
  return out;
}

/** Ports no Service uses: traffic to them must pass untouched. */
const UNUSED_TARGETS: readonly Target[] = [
  { what: "cluster IP of svc0, unused port", proto: "tcp", dst: "172.30.0.10", dport: 9, sources: ["pod", "extIn"] },
  { what: "node IP, unused port", proto: "tcp", dst: NODE_IP, dport: 29999, sources: ["extIn", "pod", "node"] },
  { what: "node IP, unused port", proto: "udp", dst: NODE_IP, dport: 29999, sources: ["extIn", "node"] },
];

const NODE_PORT_ADDRESSES: Record<GenCluster["nodePortAddresses"], string[] | undefined> = {
  all: undefined,
  eth0: ["192.168.0.0/24"],
  "eth0+lo": ["127.0.0.0/8", "192.168.0.0/24"],
};

/** Turns a generated cluster into Services, EndpointSlices, proxier config and probe targets. */
export function buildCluster(g: GenCluster): BuiltCluster {
  const services = g.services.map(buildService);
  const slices = g.services.flatMap((s, i) => buildSlice(s, i) ?? []);
  const targets = [...g.services.flatMap((s, i) => serviceTargets(s, services[i] as Service, i)), ...UNUSED_TARGETS];
  const npa = NODE_PORT_ADDRESSES[g.nodePortAddresses];
  const config: IptablesProxierConfig = {
    nodeName: TEST_NODE_NAME,
    nodeIP: NODE_IP,
    localAddresses: [...NODE_ADDRESSES],
    localDetector: g.clusterCIDR ? { mode: "ClusterCIDR", cidr: "10.0.0.0/8" } : { mode: "None" },
    masqueradeAll: g.masqueradeAll,
    // why: the kernel here has no nfacct objects; kube-proxy then leaves the
    // `-m nfacct` matches out (proxier.go checks nfacct support at start).
    nfacct: false,
    randomFully: true,
    ...(npa ? { nodePortAddresses: npa } : {}),
  };
  return { services, slices, config, targets };
}
