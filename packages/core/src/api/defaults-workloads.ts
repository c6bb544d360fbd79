/**
 * Defaulting for Pods, Deployments, EndpointSlices and Nodes (see
 * `defaults.ts` for Services and the sources). Each function maps a manifest
 * as written to the normalized object the rest of svcsim reads.
 */
import { defaultMeta } from "./defaults.ts";
import type { PodManifest, PodSpecManifest, ProbeManifest } from "./schemas/pod.ts";
import type { DeploymentManifest, EndpointSliceManifest, NodeManifest } from "./schemas/workloads.ts";
import type { Container, Deployment, EndpointSlice, Node, Pod, PodSpec, Probe } from "./types.ts";

/** The grace period a Pod gets when none is given (v1.DefaultTerminationGracePeriodSeconds). */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** A Deployment's rolling-update maxSurge and maxUnavailable when unset (apps/v1 SetDefaults_Deployment). */
export const DEFAULT_ROLLING_UPDATE = { maxSurge: "25%", maxUnavailable: "25%" } as const;

/** Applies SetDefaults_Probe and SetDefaults_HTTPGetAction. */
export function defaultProbe(p: ProbeManifest): Probe {
  // why: SetDefaults_Probe — timeout 1 s, period 10 s, success 1, failure 3;
  // initialDelaySeconds is a plain int32 whose zero value is 0.
  const out: Probe = {
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds || 10,
    timeoutSeconds: p.timeoutSeconds || 1,
    successThreshold: p.successThreshold || 1,
    failureThreshold: p.failureThreshold || 3,
  };
  if (p.httpGet !== undefined) out.httpGet = { path: p.httpGet.path || "/", port: p.httpGet.port };
  if (p.tcpSocket !== undefined) out.tcpSocket = { port: p.tcpSocket.port };
  if (p.exec !== undefined) out.exec = { command: [...p.exec.command] };
  if (p.grpc !== undefined) out.grpc = { ...p.grpc };
  return out;
}

function defaultContainer(c: PodSpecManifest["containers"][number], hostNetwork: boolean): Container {
  const ports = (c.ports ?? []).map((p) => {
    const port: Container["ports"][number] = { containerPort: p.containerPort, protocol: p.protocol ?? "TCP" };
    if (p.name !== undefined) port.name = p.name;
    // why: SetDefaults_Pod → defaultHostNetworkPorts: with hostNetwork every
    // container port is also a host port.
    const hostPort = p.hostPort || (hostNetwork ? p.containerPort : 0);
    if (hostPort !== 0) port.hostPort = hostPort;
    return port;
  });
  const out: Container = { name: c.name, ports };
  if (c.image !== undefined) out.image = c.image;
  if (c.readinessProbe !== undefined) out.readinessProbe = defaultProbe(c.readinessProbe);
  if (c.livenessProbe !== undefined) out.livenessProbe = defaultProbe(c.livenessProbe);
  const preStop = c.lifecycle?.preStop;
  if (preStop !== undefined) {
    const hook: NonNullable<NonNullable<Container["lifecycle"]>["preStop"]> = {};
    if (preStop.sleep !== undefined) hook.sleep = { ...preStop.sleep };
    if (preStop.exec !== undefined) hook.exec = { command: [...preStop.exec.command] };
    if (preStop.httpGet !== undefined) hook.httpGet = { path: preStop.httpGet.path || "/", port: preStop.httpGet.port };
    out.lifecycle = { preStop: hook };
  }
  return out;
}

/** Applies SetDefaults_PodSpec / SetDefaults_Pod to a PodSpec. */
export function defaultPodSpec(s: PodSpecManifest): PodSpec {
  const hostNetwork = s.hostNetwork ?? false;
  const out: PodSpec = {
    containers: s.containers.map((c) => defaultContainer(c, hostNetwork)),
    hostNetwork,
    // why: SetDefaults_PodSpec — terminationGracePeriodSeconds 30 when unset.
    terminationGracePeriodSeconds: s.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  };
  if (s.nodeName !== undefined && s.nodeName !== "") out.nodeName = s.nodeName;
  if (s.hostname !== undefined) out.hostname = s.hostname;
  if (s.subdomain !== undefined) out.subdomain = s.subdomain;
  return out;
}

/** Defaults a Pod; a Pod without status starts Pending (the Pod strategy's PrepareForCreate). */
export function defaultPod(m: PodManifest): Pod {
  const status: Pod["status"] = {
    phase: m.status?.phase ?? "Pending",
    conditions: (m.status?.conditions ?? []).map((c) => ({ ...c })),
  };
  if (m.status?.podIP) status.podIP = m.status.podIP;
  if (m.status?.hostIP) status.hostIP = m.status.hostIP;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: defaultMeta(m.metadata, true),
    spec: defaultPodSpec(m.spec),
    status,
  };
}

/** Applies apps/v1 SetDefaults_Deployment: replicas 1, RollingUpdate 25%/25%. */
export function defaultDeployment(m: DeploymentManifest): Deployment {
  const type = m.spec.strategy?.type ?? "RollingUpdate";
  const ru = m.spec.strategy?.rollingUpdate;
  const strategy: Deployment["spec"]["strategy"] = { type };
  if (type === "RollingUpdate") {
    strategy.rollingUpdate = {
      maxSurge: ru?.maxSurge ?? DEFAULT_ROLLING_UPDATE.maxSurge,
      maxUnavailable: ru?.maxUnavailable ?? DEFAULT_ROLLING_UPDATE.maxUnavailable,
    };
  } else if (ru !== undefined) {
    // Kept so that validation can refuse it (Recreate takes no rollingUpdate).
    strategy.rollingUpdate = { maxSurge: ru.maxSurge ?? 0, maxUnavailable: ru.maxUnavailable ?? 0 };
  }
  const template = m.spec.template;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: defaultMeta(m.metadata, true),
    spec: {
      replicas: m.spec.replicas ?? 1,
      selector: { matchLabels: m.spec.selector.matchLabels ?? {} },
      template: {
        metadata: { labels: template.metadata?.labels ?? {}, annotations: template.metadata?.annotations ?? {} },
        spec: defaultPodSpec(template.spec),
      },
      strategy,
      minReadySeconds: m.spec.minReadySeconds ?? 0,
    },
  };
}

/** Defaults an EndpointSlice: port protocol TCP and name "" (discovery/v1 SetDefaults_EndpointPort). */
export function defaultEndpointSlice(m: EndpointSliceManifest): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: defaultMeta(m.metadata, true),
    addressType: m.addressType,
    endpoints: (m.endpoints ?? []).map((e) => ({ ...e, addresses: [...e.addresses], conditions: { ...e.conditions } })),
    ports: (m.ports ?? []).map((p) => ({ ...p, name: p.name ?? "", protocol: p.protocol ?? "TCP" })),
  };
}

/**
 * Defaults a Node. `podCIDR` and `podCIDRs` are kept in step as the v1
 * conversion does (Convert_v1_NodeSpec_To_core_NodeSpec): either one fills
 * the other.
 */
export function defaultNode(m: NodeManifest): Node {
  const spec: Node["spec"] = { unschedulable: m.spec?.unschedulable ?? false };
  const podCIDRs = m.spec?.podCIDRs ?? (m.spec?.podCIDR ? [m.spec.podCIDR] : []);
  const podCIDR = m.spec?.podCIDR || podCIDRs[0];
  if (podCIDR !== undefined) spec.podCIDR = podCIDR;
  if (podCIDRs.length > 0) spec.podCIDRs = podCIDRs;
  const addresses = (m.status?.addresses ?? []).map((a) => ({ ...a }));
  const status: Node["status"] = { addresses };
  const allocatable = m.status?.allocatable;
  if (allocatable) status.allocatable = Object.fromEntries(Object.entries(allocatable).map(([k, v]) => [k, String(v)]));
  return { apiVersion: "v1", kind: "Node", metadata: defaultMeta(m.metadata, false), spec, status };
}
