import type { Pod } from "../../src/api/index.ts";
import {
  type CloudLoadBalancerConfig,
  type CloudLoadBalancerHandle,
  installCloudLoadBalancers,
  installKubeProxyHealth,
  type KubeProxyHealthServer,
} from "../../src/edge/index.ts";
import type { Nanos } from "../../src/engine/index.ts";
import { formatIPv4, type IPv4, NetNamespace, parseIPv4 } from "../../src/net/index.ts";
import { buildCluster, podKey, prepareScenario, type SimCluster } from "../../src/scenario/index.ts";
import type { TraceLevel } from "../../src/trace/index.ts";
import { TcpStack } from "../../src/workload/index.ts";

export const APP_PORT = 8080;
export const SERVICE_PORT = 80;

/** What the test world holds. */
export interface LbWorld {
  readonly c: SimCluster;
  readonly lb: CloudLoadBalancerHandle;
  readonly health: ReadonlyMap<string, KubeProxyHealthServer>;
  /** The address each server Pod saw each connection come from, by Pod name. */
  readonly peers: Map<string, string[]>;
  /** An external client on the fabric. */
  client(name: string, ip: string): ExternalClient;
}

/** A host outside the cluster, attached to the fabric like the balancer. */
export interface ExternalClient {
  readonly ip: IPv4;
  readonly stack: TcpStack;
}

export interface LbWorldSpec {
  /** Pods (`web-N`) and the node each runs on. */
  pods: readonly string[];
  policy: "Local" | "Cluster";
  lb: CloudLoadBalancerConfig;
  zones?: readonly string[];
  level?: TraceLevel;
  seed?: number;
  sourceRanges?: string[];
}

const NODES = ["node-a", "node-b", "node-c"];

/**
 * Up to three iptables nodes (192.168.0.10-12, podCIDRs 10.244.{1,2,3}.0/24,
 * zones from `zones`), Pods `web-<i>` labelled app=web on the given nodes,
 * each running a TCP server on 8080 that records the peer address of each
 * connection that sends a request,
 * and a LoadBalancer Service `web` (port 80 → 8080) with the given policy.
 * kube-proxy health servers and the balancer are installed before anything runs.
 */
export function lbWorld(spec: LbWorldSpec): LbWorld {
  const zones = spec.zones ?? ["a", "b", "c"];
  const nodeNames = NODES.slice(0, zones.length);
  const objects: unknown[] = [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "default" },
      spec: {
        type: "LoadBalancer",
        externalTrafficPolicy: spec.policy,
        selector: { app: "web" },
        ports: [{ name: "http", port: SERVICE_PORT, targetPort: APP_PORT, protocol: "TCP" }],
        ...(spec.sourceRanges ? { loadBalancerSourceRanges: spec.sourceRanges } : {}),
      },
    },
    ...spec.pods.map((node, i) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `web-${i}`, namespace: "default", labels: { app: "web" } },
      spec: { nodeName: node, containers: [{ name: "app", ports: [{ containerPort: APP_PORT }] }] },
    })),
  ];
  const prepared = prepareScenario(
    {
      name: "lb",
      duration: "1s",
      cluster: {
        nodes: nodeNames.map((name, i) => ({
          name,
          ip: `192.168.0.${10 + i}`,
          podCIDR: `10.244.${i + 1}.0/24`,
          zone: zones[i],
        })),
        proxy: { mode: "iptables" },
        clusterCIDR: "10.244.0.0/16",
      },
      objects,
    },
    "lb-world",
  );
  const c = buildCluster(prepared.scenario.cluster, prepared.objects, spec.seed ?? 1, spec.level ?? "flow");
  const peers = new Map<string, string[]>();
  c.podHooks.attached.push((pod: Pod) => {
    const netns = c.network.pod(podKey(pod));
    if (!netns || pod.metadata.labels.app !== "web") return;
    const list: string[] = [];
    peers.set(pod.metadata.name, list);
    TcpStack.of(netns, c.scheduler, c.rng).listen(APP_PORT, (sock) => {
      let first = true;
      sock.handlers = {
        message: (_m, bytes, s) => {
          // Recorded at the first request, so TCP health checks (connect, close) do not count.
          if (first) list.push(formatIPv4(s.remoteIp));
          first = false;
          s.send(bytes, { kind: "echo", pod: pod.metadata.name });
        },
        peerClosed: (s) => s.close(),
      };
    });
  });
  const health = installKubeProxyHealth(c);
  const lb = installCloudLoadBalancers(c, spec.lb);
  const client = (name: string, ipText: string): ExternalClient => {
    const ip = parseIPv4(ipText);
    const holder: { deliver?: (p: Parameters<NetNamespace["deliver"]>[0]) => void } = {};
    const port = c.network.fabric.attach(name, ip, undefined, (pkt) => holder.deliver?.(pkt));
    const netns = new NetNamespace({
      name,
      ips: [ip],
      sched: c.scheduler,
      rng: c.rng,
      ids: c.network.ids,
      egress: (pkt) => port.transmit(pkt.dst, pkt),
    });
    holder.deliver = (pkt) => netns.deliver(pkt);
    return { ip, stack: TcpStack.of(netns, c.scheduler, c.rng) };
  };
  return { c, lb, health, peers, client };
}

/** The frontend IP of `default/web` once provisioned. */
export function vipOf(w: LbWorld): IPv4 {
  const f = w.lb.frontend("default/web");
  if (!f) throw new Error("default/web has no frontend");
  return f.vip;
}

/** Opens a connection from `client` to the Service's frontend at `at`, sends `messages` one per 10 ms, then closes. */
export function connectAt(
  w: LbWorld,
  client: ExternalClient,
  at: Nanos,
  messages = 1,
): { replies: string[]; error?: string } {
  const out: { replies: string[]; error?: string } = { replies: [] };
  w.c.scheduler.at(at, () => {
    const sock = client.stack.connect(vipOf(w), SERVICE_PORT, {
      handlers: {
        connected: (s) => {
          for (let i = 0; i < messages; i++)
            w.c.scheduler.after((i * 10_000_000) as Nanos, () => s.send(100, { kind: "req", i }));
        },
        message: (m, _b, s) => {
          out.replies.push((m as { pod: string }).pod);
          if (out.replies.length === messages) s.close();
        },
        error: (errno) => {
          out.error = errno;
        },
      },
    });
    if (!sock) out.error = "no-port";
  });
  return out;
}

/** The lb.health events of the run, as `[t, target, from→to, result]`. */
export function healthEvents(w: LbWorld): [number, string, string, string][] {
  return w.c.tracer.events
    .filter((e) => e.type === "lb.health")
    .map((e) => (e.type === "lb.health" ? [e.t, e.target, `${e.from}→${e.to}`, e.result] : [0, "", "", ""]));
}
