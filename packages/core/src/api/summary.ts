/**
 * One-line descriptions of loaded objects, for `svcsim validate`: what
 * svcsim understood after defaulting and allocation, so a user can check it
 * against `kubectl get -o wide` of the real cluster.
 */
import { InputError } from "../engine/index.ts";
import { type LoadOptions, loadManifests, type ManifestInput, objectRefOf } from "./load.ts";
import type { Container, Deployment, EndpointSlice, KubeObject, Node, Pod, Service } from "./types.ts";
import { ZONE_LABEL } from "./types.ts";

function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}

function describeService(svc: Service): string {
  const s = svc.spec;
  if (s.type === "ExternalName") return `ExternalName → ${s.externalName ?? "?"}`;
  const ip = s.clusterIP === "None" ? "None (headless)" : (s.clusterIP ?? "unallocated");
  // Ports as kubectl prints them (80:30080/TCP), then → the target port.
  const ports = s.ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol}→${p.targetPort}`);
  const parts = [`${s.type} ${ip}`, ports.length > 0 ? `ports ${ports.join(" ")}` : "no ports"];
  parts.push(s.selector ? `selector ${labelsText(s.selector) || "(empty)"}` : "no selector");
  const timeout = s.sessionAffinityConfig?.clientIP.timeoutSeconds;
  parts.push(s.sessionAffinity === "ClientIP" ? `affinity ClientIP ${timeout}s` : "affinity None");
  if (s.externalTrafficPolicy !== undefined) parts.push(`externalTrafficPolicy ${s.externalTrafficPolicy}`);
  if (s.internalTrafficPolicy === "Local") parts.push("internalTrafficPolicy Local");
  if (s.healthCheckNodePort !== undefined) parts.push(`healthCheckNodePort ${s.healthCheckNodePort}`);
  if (s.externalIPs.length > 0) parts.push(`externalIPs ${s.externalIPs.join(",")}`);
  const ingress = svc.status.loadBalancer.ingress.map((i) => i.ip ?? i.hostname).filter(Boolean);
  if (ingress.length > 0) parts.push(`ingress ${ingress.join(",")}`);
  return parts.join(", ");
}

function describeSlice(slice: EndpointSlice): string {
  const service = slice.metadata.labels["kubernetes.io/service-name"];
  // why: kube-proxy reads an absent `ready` as ready (endpointslicecache).
  const ready = slice.endpoints.filter((e) => e.conditions.ready !== false).length;
  const ports = slice.ports.map((p) => `${p.name ? `${p.name} ` : ""}${p.port ?? "*"}/${p.protocol}`);
  return [
    service ? `service ${service}` : "no service label",
    slice.addressType,
    `${slice.endpoints.length} endpoints (${ready} ready)`,
    ports.length > 0 ? `ports ${ports.join(" ")}` : "no ports",
  ].join(", ");
}

function containerPorts(containers: readonly Container[]): string {
  const ports = containers.flatMap((c) => c.ports.map((p) => `${p.containerPort}/${p.protocol}`));
  return ports.length > 0 ? `ports ${ports.join(" ")}` : "no ports";
}

function describePod(pod: Pod): string {
  const parts = [
    pod.spec.nodeName ? `node ${pod.spec.nodeName}` : "unscheduled",
    pod.status.podIP ? `IP ${pod.status.podIP}` : "no IP",
  ];
  parts.push(pod.status.phase, containerPorts(pod.spec.containers));
  if (pod.spec.hostNetwork) parts.push("hostNetwork");
  parts.push(`grace ${pod.spec.terminationGracePeriodSeconds}s`);
  return parts.join(", ");
}

function describeDeployment(d: Deployment): string {
  const st = d.spec.strategy;
  const strategy = st.rollingUpdate
    ? `${st.type} maxSurge ${st.rollingUpdate.maxSurge} maxUnavailable ${st.rollingUpdate.maxUnavailable}`
    : st.type;
  return [
    `${d.spec.replicas} replicas`,
    `selector ${labelsText(d.spec.selector.matchLabels)}`,
    strategy,
    containerPorts(d.spec.template.spec.containers),
  ].join(", ");
}

function describeNode(node: Node): string {
  const parts = node.status.addresses.filter((a) => a.type.endsWith("IP")).map((a) => `${a.type} ${a.address}`);
  if (node.spec.podCIDR) parts.push(`podCIDR ${node.spec.podCIDR}`);
  const zone = node.metadata.labels[ZONE_LABEL];
  if (zone) parts.push(`zone ${zone}`);
  if (node.spec.unschedulable) parts.push("unschedulable");
  return parts.length > 0 ? parts.join(", ") : "no addresses";
}

/**
 * One line per object, e.g.
 * `Service default/web: ClusterIP 10.96.1.1, ports 80/TCP→8080, selector app=web, affinity None`.
 */
export function describeObject(obj: KubeObject): string {
  const ref = objectRefOf(obj);
  switch (obj.kind) {
    case "Service":
      return `${ref}: ${describeService(obj)}`;
    case "EndpointSlice":
      return `${ref}: ${describeSlice(obj)}`;
    case "Pod":
      return `${ref}: ${describePod(obj)}`;
    case "Deployment":
      return `${ref}: ${describeDeployment(obj)}`;
    case "Node":
      return `${ref}: ${describeNode(obj)}`;
    default:
      return assertNever(obj);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled object ${JSON.stringify(x)}`);
}

/**
 * What `svcsim validate` prints: on success one line per object then
 * `warning:` lines; on failure one line per problem (then warnings are not
 * known). Errors other than bad input propagate.
 */
export function validateManifests(
  inputs: readonly ManifestInput[],
  options: LoadOptions = {},
): { ok: boolean; lines: string[] } {
  try {
    const { objects, warnings } = loadManifests(inputs, options);
    return { ok: true, lines: [...objects.map(describeObject), ...warnings.map((w) => `warning: ${w}`)] };
  } catch (err) {
    if (err instanceof InputError) return { ok: false, lines: [...err.problems] };
    throw err;
  }
}
