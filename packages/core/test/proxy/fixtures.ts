/**
 * Builders mirroring proxier_test.go's makeTestService / makeTestEndpointSlice
 * / NewFakeProxier, producing svcsim's (defaulted) API objects.
 */
import type { Endpoint, EndpointPort, EndpointSlice, Protocol, Service, ServicePortSpec } from "../../src/api/index.ts";
import { s } from "../../src/engine/index.ts";
import type { IptablesProxierConfig, ProxyView } from "../../src/proxy/index.ts";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** proxier_test.go makeTestService: an empty spec the callback fills in (here: with API defaults). */
export function makeService(namespace: string, name: string, fill: (svc: Mutable<Service>) => void): Service {
  const svc: Mutable<Service> = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, labels: {}, annotations: {} },
    spec: {
      type: "ClusterIP",
      ports: [],
      externalIPs: [],
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      loadBalancerSourceRanges: [],
      publishNotReadyAddresses: false,
    },
    status: { loadBalancer: { ingress: [] } },
  };
  fill(svc);
  return svc;
}

/** A service port with targetPort defaulted to port. */
export function port(name: string, p: number, protocol: Protocol = "TCP", nodePort?: number): ServicePortSpec {
  return { name, port: p, protocol, targetPort: p, ...(nodePort !== undefined ? { nodePort } : {}) };
}

/** proxier_test.go makeTestEndpointSlice: `${name}-${n}`, labelled with its Service. */
export function makeSlice(
  namespace: string,
  service: string,
  n: number,
  endpoints: Endpoint[],
  ports: EndpointPort[],
): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${service}-${n}`,
      namespace,
      labels: { "kubernetes.io/service-name": service },
      annotations: {},
    },
    addressType: "IPv4",
    endpoints,
    ports,
  };
}

/** An endpoint with one address, optional node and conditions (nil conditions read as ready). */
export function ep(address: string, nodeName?: string, conditions: Endpoint["conditions"] = {}): Endpoint {
  return { addresses: [address], conditions, ...(nodeName !== undefined ? { nodeName } : {}) };
}

/** An endpoint port. */
export function epPort(name: string, p: number, protocol: Protocol = "TCP"): EndpointPort {
  return { name, port: p, protocol };
}

/** A view keyed the way nodes key it: `namespace/name`. */
export function view(services: Service[], slices: EndpointSlice[]): ProxyView {
  return {
    services: new Map(services.map((x) => [`${x.metadata.namespace}/${x.metadata.name}`, x])),
    endpointSlices: new Map(slices.map((x) => [`${x.metadata.namespace}/${x.metadata.name}`, x])),
  };
}

/** proxier_test.go conventions: node name, node IPs, pod CIDR 10.0.0.0/8. */
export const TEST_NODE_NAME = "test-node";
export const TEST_NODE_IP = "192.168.0.2";
export const TEST_NODE_IP_ALT = "192.168.1.2";
export const TEST_EXTERNAL_IP = "192.168.99.11";
export const TEST_EXTERNAL_CLIENT = "203.0.113.2";
export const TEST_EXTERNAL_CLIENT_BLOCKED = "203.0.113.130";
/** testNodeIPs (the IPv4 ones). */
export const TEST_NODE_IPS = [TEST_NODE_IP, TEST_NODE_IP_ALT, TEST_EXTERNAL_IP];

/**
 * proxier_test.go NewFakeProxier: detect-local by CIDR 10.0.0.0/8, mark
 * 0x4000, localhostNodePorts on, both nfacct counters present, and a fake
 * iptables without --random-fully; interfaces lo (127.0.0.1) and eth0.
 */
export function fakeProxierConfig(over: Partial<IptablesProxierConfig> = {}): IptablesProxierConfig {
  return {
    nodeName: TEST_NODE_NAME,
    nodeIP: TEST_NODE_IP,
    localAddresses: ["127.0.0.1", ...TEST_NODE_IPS],
    localDetector: { mode: "ClusterCIDR", cidr: "10.0.0.0/8" },
    masqueradeBit: 14,
    localhostNodePorts: true,
    nfacct: true,
    randomFully: false,
    syncPeriod: s(30),
    ...over,
  };
}
