import type { ClusterNetworkConfig, KubeObject, Node as NodeObject, Pod } from "../api/index.ts";
import { ZONE_LABEL } from "../api/index.ts";
import { Conntrack } from "../conntrack/index.ts";
import {
  ApiStore,
  DeploymentController,
  EndpointSliceController,
  NodeWatch,
  PodLifecycle,
  PodScheduler,
  watchPodNetwork,
} from "../control/index.ts";
import { ms, Rng, Scheduler } from "../engine/index.ts";
import { Network } from "../node/index.ts";
import { IptablesProxy, PassthroughProxy, type ServiceProxy } from "../proxy/index.ts";
import { type TraceLevel, TraceRecorder } from "../trace/index.ts";
import { appReadinessProbe, PodApps } from "../workload/index.ts";
import { nodeConntrackConfig } from "./conntrack-config.ts";
import type { ClusterSpec } from "./schema.ts";

/** Every moving part of a simulated cluster, wired together. */
export interface SimCluster {
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly tracer: TraceRecorder;
  /** The intent: API objects. */
  readonly store: ApiStore;
  readonly network: Network;
  readonly lifecycle: PodLifecycle;
  /** Each node's kube-proxy watch: what that node has seen and synced. */
  readonly watches: ReadonlyMap<string, NodeWatch>;
  /** Called when a Pod gets or loses its network (for the workload layer). */
  readonly podHooks: { attached: ((pod: Pod) => void)[]; detached: ((pod: Pod) => void)[] };
  /** The service CIDR and NodePort range, for objects applied mid-run. */
  readonly apiNetwork: ClusterNetworkConfig;
  /** The cluster as the scenario describes it. */
  readonly spec: ClusterSpec;
}

/**
 * From a terminating Pod's last container exiting to its veth being deleted
 * and its object removed. Long enough for the FINs and RSTs of the killed
 * processes to leave the Pod; the real time (kubelet pod worker →
 * StopPodSandbox → CNI DEL → status manager's delete) varies by runtime.
 */
const POD_TEARDOWN_DELAY = ms(100);

/** The v1 Node object for a scenario's node. */
export function nodeObject(spec: ClusterSpec["nodes"][number]): NodeObject {
  const labels: Record<string, string> = { "kubernetes.io/hostname": spec.name, ...spec.labels };
  if (spec.zone !== undefined) labels[ZONE_LABEL] = spec.zone;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: spec.name, namespace: "", labels, annotations: {} },
    spec: { podCIDR: spec.podCIDR, podCIDRs: [spec.podCIDR], unschedulable: false },
    status: {
      addresses: [
        { type: "InternalIP", address: spec.ip },
        { type: "Hostname", address: spec.name },
      ],
      // The EndpointSlice controller's topology cache weighs zones by allocatable CPU.
      allocatable: { cpu: String(spec.cpus) },
    },
  };
}

interface ProxyEnv {
  scheduler: Scheduler;
  rng: Rng;
  tracer: TraceRecorder;
}

function makeProxy(spec: ClusterSpec, node: ClusterSpec["nodes"][number], env: ProxyEnv): ServiceProxy {
  const mode = spec.proxy.mode;
  switch (mode) {
    case "passthrough":
      return new PassthroughProxy();
    case "iptables":
      return new IptablesProxy({
        ...env,
        conntrack: new Conntrack({
          config: nodeConntrackConfig(spec, node),
          scheduler: env.scheduler,
          component: `node/${node.name}/conntrack`,
        }),
        udpConntrackCleanup: spec.proxy.udpConntrackCleanup,
        config: {
          nodeName: node.name,
          nodeIP: node.ip,
          localAddresses: ["127.0.0.1", node.ip],
          nodeLabels: nodeObject(node).metadata.labels,
          masqueradeAll: spec.proxy.masqueradeAll,
          localDetector: spec.clusterCIDR ? { mode: "ClusterCIDR", cidr: spec.clusterCIDR } : { mode: "None" },
          syncPeriod: spec.proxy.syncPeriod,
        },
      });
  }
}

/**
 * Builds a cluster: the network with its nodes, the API store holding the
 * Node objects and then `objects`, the controllers, and one kube-proxy watch
 * per node whose syncs program that node's proxy. Nothing has run yet: the
 * caller drives the scheduler.
 */
export function buildCluster(
  spec: ClusterSpec,
  objects: readonly KubeObject[],
  seed: number,
  level: TraceLevel,
): SimCluster {
  const scheduler = new Scheduler();
  const rng = new Rng(seed);
  const tracer = new TraceRecorder(level);
  const store = new ApiStore({ clock: scheduler, trace: tracer });
  const network = new Network({
    scheduler,
    rng,
    tracer,
    fabricLatency: spec.network.nodeLatency,
    vethLatency: spec.network.podLatency,
    fabricLoss: spec.network.loss,
  });
  for (const node of spec.nodes) {
    network.addNode({
      name: node.name,
      ip: node.ip,
      podCidr: node.podCIDR,
      zone: node.zone,
      proxy: makeProxy(spec, node, { scheduler, rng, tracer }),
    });
    store.create(nodeObject(node));
  }
  // Nodes first, so that Pods naming a node find it; then everything else in input order.
  for (const object of objects) if (object.kind === "Node") store.apply(object);
  for (const object of objects) if (object.kind !== "Node") store.create(object);

  const podHooks: SimCluster["podHooks"] = { attached: [], detached: [] };
  new PodScheduler({ store, scheduler });
  const netnsOf = (pod: Pod) => network.pod(podKey(pod));
  const appsOf = (pod: Pod) => {
    const netns = netnsOf(pod);
    return netns ? PodApps.find(netns) : undefined;
  };
  const lifecycle = new PodLifecycle({
    store,
    scheduler,
    startDelay: spec.podStartDelay,
    // Readiness probes answered by the Pods' applications; signals delivered to them.
    probe: appReadinessProbe(netnsOf),
    hooks: {
      sigterm: (pod, container, exited) => appsOf(pod)?.sigterm(pod, container, exited),
      sigkill: (pod, container) => appsOf(pod)?.sigkill(pod, container),
      crash: (pod) => appsOf(pod)?.crash(),
    },
    teardownDelay: POD_TEARDOWN_DELAY,
  });
  new DeploymentController({ store, scheduler, rng });
  new EndpointSliceController({ store, scheduler, rng });
  watchPodNetwork(store, {
    attach: (pod) => {
      network.attachPod(pod.spec.nodeName as string, podKey(pod), pod.status.podIP as string);
      for (const hook of podHooks.attached) hook(pod);
    },
    detach: (pod) => {
      network.detachPod(podKey(pod));
      for (const hook of podHooks.detached) hook(pod);
    },
  });

  const watches = new Map<string, NodeWatch>();
  for (const node of network.nodes()) {
    const watch = new NodeWatch({
      node: node.name,
      store,
      scheduler,
      watchDelay: spec.proxy.watchDelay,
      minSyncPeriod: spec.proxy.minSyncPeriod,
      syncPeriod: spec.proxy.syncPeriod,
      onSync: (view, full, now) => {
        const { services, endpoints, written } = node.proxy.sync(view, full, now);
        tracer.emit({
          type: "sync",
          t: now,
          node: node.name,
          proxy: node.proxy.mode,
          full,
          services,
          endpoints,
          written,
        });
      },
    });
    watches.set(node.name, watch);
  }
  return {
    scheduler,
    rng,
    tracer,
    store,
    network,
    lifecycle,
    watches,
    podHooks,
    apiNetwork: apiNetworkOf(spec),
    spec,
  };
}

/** A Pod's `namespace/name`: its name on the network and in the store. */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

/** The API server's network settings from the cluster spec. */
export function apiNetworkOf(spec: ClusterSpec): ClusterNetworkConfig {
  const [lo, hi] = spec.nodePortRange.split("-").map(Number) as [number, number];
  return { serviceCIDR: spec.serviceCIDR, nodePortRange: [lo, hi] };
}
