import { installDns } from "../../src/dns/index.ts";
import { type Nanos, s } from "../../src/engine/index.ts";
import { parseIPv4 } from "../../src/net/index.ts";
import { buildCluster, prepareScenario } from "../../src/scenario/index.ts";
import { GrpcChannel, type GrpcChannelOptions, grpcServer, startInPods } from "../../src/workload/grpc/index.ts";
import type { H2Server } from "../../src/workload/http2/index.ts";
import { CallLoad } from "../../src/workload/http2/index.ts";
import type { RequestRecord } from "../../src/workload/index.ts";

export const GRPC_PORT = 50051;

/** What the test cluster runs. */
export interface GrpcWorld {
  replicas: number;
  clients?: number;
  seed?: number;
  maxConnectionAge?: Nanos;
  maxConnectionAgeGrace?: Nanos;
}

const deployment = (
  name: string,
  namespace: string,
  labels: Record<string, string>,
  replicas: number,
  port: number,
) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace, labels },
  spec: {
    replicas,
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: {
        containers: [{ name, ports: [{ name: "p", containerPort: port, protocol: port === 53 ? "UDP" : "TCP" }] }],
      },
    },
  },
});

/**
 * Three nodes in iptables mode; kubeadm's kube-dns Service with two CoreDNS
 * Pods; a `grpc` Deployment behind a ClusterIP Service `grpc` and a headless
 * Service `grpc-headless`; `clients` client Pods on node-a. A gRPC server
 * runs in every `grpc` Pod once it is Running.
 */
export function grpcWorld(w: GrpcWorld) {
  const clients = w.clients ?? 1;
  const objects: unknown[] = [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-dns", namespace: "kube-system" },
      spec: {
        clusterIP: "10.96.0.10",
        selector: { "k8s-app": "kube-dns" },
        ports: [{ name: "dns", port: 53, protocol: "UDP", targetPort: 53 }],
      },
    },
    deployment("coredns", "kube-system", { "k8s-app": "kube-dns" }, 2, 53),
    deployment("grpc", "default", { app: "grpc" }, w.replicas, GRPC_PORT),
    { apiVersion: "v1", kind: "Service", metadata: { name: "grpc" }, spec: svcSpec(undefined) },
    { apiVersion: "v1", kind: "Service", metadata: { name: "grpc-headless" }, spec: svcSpec("None") },
    ...Array.from({ length: clients }, (_, i) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `client-${i}` },
      spec: { nodeName: "node-a", containers: [{ name: "app" }] },
    })),
  ];
  const prepared = prepareScenario(
    {
      name: "grpc",
      duration: "1s",
      cluster: {
        nodes: [
          { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" },
          { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
          { name: "node-c", ip: "192.168.0.12", podCIDR: "10.244.3.0/24" },
        ],
        proxy: { mode: "iptables" },
        clusterCIDR: "10.244.0.0/16",
      },
      objects,
    },
    "grpc-world",
  );
  const c = buildCluster(prepared.scenario.cluster, prepared.objects, w.seed ?? 1, "flow");
  const dns = installDns(c, { family: "ipv4" });
  const servers: ReadonlyMap<string, H2Server> = startInPods(
    c,
    { namespace: "default", selector: { app: "grpc" } },
    (pod, netns) =>
      grpcServer({
        pod,
        netns,
        scheduler: c.scheduler,
        rng: c.rng,
        port: GRPC_PORT,
        responseBytes: 100,
        serviceTime: s(0.002) as Nanos,
        ...(w.maxConnectionAge !== undefined ? { maxConnectionAge: w.maxConnectionAge } : {}),
        ...(w.maxConnectionAgeGrace !== undefined ? { maxConnectionAgeGrace: w.maxConnectionAgeGrace } : {}),
      }),
  );
  const records: RequestRecord[] = [];
  /** A channel in client Pod `from`, made at `at`; calls every `interval` from `at + warmup`. */
  const channel = (
    o: Pick<GrpcChannelOptions, "policy" | "host"> &
      Partial<GrpcChannelOptions> & { from?: string; at: Nanos; requests: number; interval: Nanos; warmup?: Nanos },
  ) => {
    const holder: { channel?: GrpcChannel } = {};
    const from = `default/${o.from ?? "client-0"}`;
    c.scheduler.at(o.at, () => {
      const netns = c.network.pod(from);
      if (!netns) throw new Error(`no network for ${from}`);
      const resolver = dns.resolver(from);
      holder.channel = new GrpcChannel({
        name: o.name ?? from,
        netns,
        scheduler: c.scheduler,
        rng: c.rng,
        port: GRPC_PORT,
        lookup: (host, done) => resolver?.lookup(host, (rec) => done(rec.addresses?.map(parseIPv4))),
        ...o,
      });
      new CallLoad({
        name: o.name ?? from,
        scheduler: c.scheduler,
        transport: holder.channel,
        requests: o.requests,
        interval: o.interval,
        start: (o.at + (o.warmup ?? 0)) as Nanos,
        timeout: s(5),
        requestBytes: 100,
        responseBytes: 100,
        records,
      });
    });
    return holder;
  };
  const scale = (at: Nanos, replicas: number) =>
    c.scheduler.at(at, () =>
      c.store.patch("Deployment", "default/grpc", (d) => void (d.spec.replicas = replicas), "scale"),
    );
  const podIP = (key: string) => c.store.get("Pod", key)?.status.podIP;
  return { c, dns, servers, records, channel, scale, podIP };
}

function svcSpec(clusterIP: "None" | undefined) {
  return {
    ...(clusterIP ? { clusterIP } : {}),
    selector: { app: "grpc" },
    ports: [{ name: "grpc", port: GRPC_PORT, targetPort: GRPC_PORT }],
  };
}

/** Requests served per Pod, from the records. */
export function servedBy(records: readonly RequestRecord[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of records) if (r.pod && !r.error) m.set(r.pod, (m.get(r.pod) ?? 0) + 1);
  return m;
}
