/**
 * The cluster the iptables benchmark programs: N ClusterIP Services with E
 * ready endpoints each, as one node's kube-proxy would see them, and the
 * packets a client Pod on that node sends to them.
 */
import type { Endpoint, EndpointSlice, Service } from "../packages/core/src/api/index.ts";
import { s } from "../packages/core/src/engine/index.ts";
import { formatIPv4, parseIPv4 } from "../packages/core/src/net/index.ts";
import type { NetfilterPacket } from "../packages/core/src/netfilter/index.ts";
import type { IptablesProxierConfig, ProxyView } from "../packages/core/src/proxy/index.ts";

/** The node being programmed; endpoints live on 100 other nodes, so none is local. */
export const NODE_NAME = "bench-node";
const NODE_IP = "192.168.0.2";
/** Pod IPs (clients and endpoints) come from this cluster CIDR, which is also kube-proxy's detect-local CIDR. */
const CLUSTER_CIDR = "10.0.0.0/8";
/** The client Pod on the node: inside the cluster CIDR, so kube-proxy does not masquerade it. */
export const CLIENT_IP = parseIPv4("10.0.0.5");
const SERVICE_BASE = parseIPv4("172.30.0.0");
const ENDPOINT_BASE = parseIPv4("10.1.0.0");
const PORTS = [80, 443, 8080, 9090];

/** One Service's cluster IP and port, in the benchmark's numbering. */
export interface ServiceAddr {
  ip: number;
  port: number;
}

/** Service i's cluster IP (172.30.0.0/16, skipping .0) and port (one of four). */
export function serviceAddr(i: number): ServiceAddr {
  return { ip: SERVICE_BASE + i + 1, port: PORTS[i % PORTS.length] as number };
}

function service(i: number): Service {
  const { ip, port } = serviceAddr(i);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: `svc-${i}`, namespace: "bench", labels: {}, annotations: {} },
    spec: {
      type: "ClusterIP",
      clusterIP: formatIPv4(ip),
      ports: [{ name: "http", port, protocol: "TCP", targetPort: 8080 }],
      externalIPs: [],
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      loadBalancerSourceRanges: [],
      publishNotReadyAddresses: false,
    },
    status: { loadBalancer: { ingress: [] } },
  } as Service;
}

function slice(i: number, endpoints: number): EndpointSlice {
  const eps: Endpoint[] = Array.from({ length: endpoints }, (_, j) => {
    const k = i * endpoints + j;
    return { addresses: [formatIPv4(ENDPOINT_BASE + k)], conditions: {}, nodeName: `node-${k % 100}` };
  });
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `svc-${i}-1`,
      namespace: "bench",
      labels: { "kubernetes.io/service-name": `svc-${i}` },
      annotations: {},
    },
    addressType: "IPv4",
    endpoints: eps,
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  } as EndpointSlice;
}

/** What the node's kube-proxy has seen: `services` Services with `endpoints` endpoints each. */
export function clusterView(services: number, endpoints: number): ProxyView {
  const svcs = new Map<string, Service>();
  const slices = new Map<string, EndpointSlice>();
  for (let i = 0; i < services; i++) {
    svcs.set(`bench/svc-${i}`, service(i));
    slices.set(`bench/svc-${i}-1`, slice(i, endpoints));
  }
  return { services: svcs, endpointSlices: slices };
}

/** kube-proxy's flags on the node: detect-local by cluster CIDR, as most CNIs configure it. */
export function proxierConfig(): IptablesProxierConfig {
  return {
    nodeName: NODE_NAME,
    nodeIP: NODE_IP,
    localAddresses: ["127.0.0.1", NODE_IP],
    localDetector: { mode: "ClusterCIDR", cidr: CLUSTER_CIDR },
    syncPeriod: s(30),
  };
}

/** The node's own addresses, for `-m addrtype --dst-type LOCAL`. */
export const LOCAL_ADDRESSES: ReadonlySet<number> = new Set([parseIPv4("127.0.0.1"), parseIPv4(NODE_IP)]);

/** The client Pod's TCP packet to Service i (a SYN when it opens a connection). */
export function packetTo(i: number): NetfilterPacket {
  const { ip, port } = serviceAddr(i);
  return { proto: "TCP", src: CLIENT_IP, dst: ip, srcPort: 40000 + (i % 20000), dstPort: port, mark: 0, length: 60 };
}
