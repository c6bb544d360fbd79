import {
  type CloudLoadBalancerHandle,
  type ExternalHostSpec,
  ExternalNetwork,
  installCloudLoadBalancers,
  installKubeProxyHealth,
  type KubeProxyHealthServer,
} from "../edge/index.ts";
import { type LoadBalancerMetrics, podLabel } from "../metrics/index.ts";
import type { NetNamespace } from "../net/index.ts";
import type { SimCluster } from "./cluster.ts";
import type { ClusterSpec } from "./schema.ts";

/** The scenario's edge: kube-proxy's health servers, the cloud load balancer and the external network. */
export interface ScenarioEdge {
  /** Each node's kube-proxy health servers (healthz 10256 and healthCheckNodePorts), by node name. */
  readonly health: ReadonlyMap<string, KubeProxyHealthServer>;
  readonly loadBalancer: CloudLoadBalancerHandle | undefined;
  readonly external: ExternalNetwork | undefined;
  /** Where an external client runs: a host or a corporate NAT's process, by name. */
  readonly clientNetns: ReadonlyMap<string, NetNamespace>;
}

/**
 * Starts the edge of a built cluster. kube-proxy's health servers run on
 * every node with a real proxy, as kube-proxy always serves them; the
 * balancer and the external network only when the cluster asks for them.
 */
export function startEdge(cluster: SimCluster, spec: ClusterSpec): ScenarioEdge {
  const health =
    spec.proxy.mode === "passthrough" ? new Map<string, KubeProxyHealthServer>() : installKubeProxyHealth(cluster);
  const clientNetns = new Map<string, NetNamespace>();
  let external: ExternalNetwork | undefined;
  if (spec.external) {
    const ext = spec.external;
    external = new ExternalNetwork({
      network: cluster.network,
      scheduler: cluster.scheduler,
      rng: cluster.rng,
      cidr: ext.cidr,
      latency: ext.latency,
      loss: ext.loss,
    });
    for (const host of ext.hosts) clientNetns.set(host.name, external.addHost(hostSpec(host)).netns);
    for (const nat of ext.nats) {
      const corp = external.corporateNat({ ...hostSpec(nat), processes: nat.processes });
      for (const process of corp.processes) clientNetns.set(process.name, process.netns);
    }
  }
  let loadBalancer: CloudLoadBalancerHandle | undefined;
  if (spec.loadBalancer) {
    const lb = spec.loadBalancer;
    loadBalancer = installCloudLoadBalancers(cluster, {
      provider: lb.provider,
      mode: lb.mode,
      distribution: lb.distribution,
      ...(lb.crossZone !== undefined ? { crossZone: lb.crossZone } : {}),
      clientIp: lb.clientIp,
      proxyProtocol: lb.proxyProtocol,
      ...(lb.healthCheck ? { healthCheck: lb.healthCheck } : {}),
      frontendPool: lb.frontendPool,
      provisionDelay: lb.provisionDelay,
      // why: only the external clients' replies need to come back through the
      // balancer; the rest of the nodes' traffic keeps its own routes.
      ...(spec.external ? { externalCidrs: [spec.external.cidr] } : {}),
    });
  }
  return { health, loadBalancer, external, clientNetns };
}

type HostSpec = NonNullable<ClusterSpec["external"]>["hosts"][number];

function hostSpec(host: HostSpec): ExternalHostSpec {
  return {
    name: host.name,
    ...(host.ip !== undefined ? { ip: host.ip } : {}),
    ...(host.latency !== undefined ? { latency: host.latency } : {}),
    ...(host.loss !== undefined ? { loss: host.loss } : {}),
  };
}

/** The balancer's counts as run metrics, by Service (bare in `default`). */
export function loadBalancerMetrics(handle: CloudLoadBalancerHandle): Record<string, LoadBalancerMetrics> {
  const out: Record<string, LoadBalancerMetrics> = {};
  for (const f of handle.summary()) {
    out[podLabel(f.service)] = {
      vip: f.vip,
      flows: f.flows,
      failOpenFlows: f.failOpenFlows,
      perTarget: { ...f.perTarget },
      healthTransitions: f.healthTransitions,
      resets: f.resets,
      dropped: { ...f.dropped },
      targets: Object.fromEntries(
        f.targets.map((t) => [t.key, { state: t.state, passed: t.passed, failed: t.failed }]),
      ),
    };
  }
  return out;
}
