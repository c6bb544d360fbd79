import { ExternalNetwork, type ExternalNetworkOptions } from "../../src/edge/index.ts";
import { ms, type Nanos, s } from "../../src/engine/index.ts";
import { SourceCounter } from "../../src/metrics/index.ts";
import { type NetNamespace, parseIPv4 } from "../../src/net/index.ts";
import { buildCluster, prepareScenario } from "../../src/scenario/index.ts";
import { RequestClient, type RequestRecord, RequestServer, startInPods } from "../../src/workload/index.ts";

export const NODE_A = "192.168.0.10";
export const NODE_B = "192.168.0.11";
export const NODE_PORT = 30080;

/**
 * Two nodes in iptables mode with the cluster CIDR known to kube-proxy; one
 * `web` Pod on node-b behind a NodePort Service (port 80 → 8080, nodePort
 * 30080) with the given externalTrafficPolicy; a request server in the Pod
 * counting where its requests came from; an external network attached to
 * the fabric.
 */
export function nodePortWorld(
  o: { etp?: "Cluster" | "Local"; seed?: number; external?: Partial<ExternalNetworkOptions> } = {},
) {
  const prepared = prepareScenario(
    {
      name: "external",
      duration: "10s",
      cluster: {
        nodes: [
          { name: "node-a", ip: NODE_A, podCIDR: "10.244.1.0/24" },
          { name: "node-b", ip: NODE_B, podCIDR: "10.244.2.0/24" },
        ],
        proxy: { mode: "iptables" },
        clusterCIDR: "10.244.0.0/16",
      },
      objects: [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "web-1", labels: { app: "web" } },
          spec: { nodeName: "node-b", containers: [{ name: "web", ports: [{ containerPort: 8080 }] }] },
        },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web" },
          spec: {
            type: "NodePort",
            selector: { app: "web" },
            externalTrafficPolicy: o.etp ?? "Cluster",
            ports: [{ name: "http", port: 80, targetPort: 8080, nodePort: NODE_PORT }],
          },
        },
      ],
    },
    "external.ts",
  );
  const c = buildCluster(prepared.scenario.cluster, prepared.objects, o.seed ?? 1, "packet");
  const sources = new SourceCounter();
  const servers = startInPods(
    c,
    { namespace: "default", selector: { app: "web" } },
    (pod, netns) =>
      new RequestServer({
        pod,
        netns,
        scheduler: c.scheduler,
        rng: c.rng,
        protocol: "TCP",
        port: 8080,
        responseBytes: 200,
        serviceTime: ms(1),
        onRequest: sources.record,
      }),
  );
  const ext = new ExternalNetwork({ network: c.network, scheduler: c.scheduler, rng: c.rng, ...o.external });
  const records: RequestRecord[] = [];
  /** `requests` requests, one connection each, every 100 ms from 2 s, from `netns` to `nodeIp:30080`. */
  const client = (name: string, netns: NetNamespace, nodeIp: string, requests = 5, start: Nanos = s(2)) =>
    new RequestClient({
      name,
      netns,
      scheduler: c.scheduler,
      rng: c.rng,
      protocol: "TCP",
      target: () => ({ ip: parseIPv4(nodeIp), port: NODE_PORT }),
      requestBytes: 100,
      requests,
      interval: ms(100),
      start,
      timeout: s(5),
      records,
    });
  return { c, ext, sources, servers, records, client };
}
