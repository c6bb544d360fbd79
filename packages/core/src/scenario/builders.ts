import type { ScenarioInput } from "./schema.ts";

/**
 * Small builders for the cluster and objects a scenario repeats: nodes, a
 * Deployment, a Service, a Pod. Each returns a plain value in the manifest
 * shape — exactly what one would write by hand in `objects` or `cluster.nodes`
 * — so a built object and a written one are the same input, validated by the
 * same schema with the same error messages. They only fill in the shape; the
 * defaults that Kubernetes applies (protocol TCP, namespace `default`, …) are
 * still applied where the manifest is parsed, as for hand-written objects.
 */

/** A node of `cluster.nodes`, as a scenario writes it. */
export type NodeInput = ScenarioInput["cluster"]["nodes"][number];

/** What `nodes` builds. */
export interface NodesOptions {
  /** Zones handed out round-robin (`topology.kubernetes.io/zone`); none when absent. */
  readonly zones?: readonly string[];
}

/**
 * `n` nodes named `node-a`, `node-b`, … with InternalIPs 192.168.0.10, .11, …
 * and podCIDRs 10.244.1.0/24, 10.244.2.0/24, … — kubeadm-like addressing that
 * fits a `clusterCIDR` of 10.244.0.0/16 (flannel's default).
 */
export function nodes(n: number, options: NodesOptions = {}): NodeInput[] {
  if (!Number.isInteger(n) || n < 1 || n > 26) throw new RangeError(`nodes: expected 1 to 26 nodes, got ${n}`);
  const zones = options.zones ?? [];
  return Array.from({ length: n }, (_, i) => ({
    name: `node-${String.fromCharCode(97 + i)}`,
    ip: `192.168.0.${10 + i}`,
    podCIDR: `10.244.${i + 1}.0/24`,
    ...(zones.length > 0 ? { zone: zones[i % zones.length] } : {}),
  }));
}

/** Labels or a selector: string keys to string values. */
export type Labels = Readonly<Record<string, string>>;

/** A container port in the manifest shape. */
export interface ContainerPortInput {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol?: "TCP" | "UDP" | "SCTP";
}

/** A container in the manifest shape (the fields a simulated container uses). */
export interface ContainerInput {
  readonly name: string;
  readonly image?: string;
  readonly ports?: readonly ContainerPortInput[];
  /** A probe in the manifest shape (`tcpSocket`, `httpGet`, `exec`; periods and thresholds). */
  readonly readinessProbe?: Readonly<Record<string, unknown>>;
}

/** What `container` builds; also the container fields of `pod` and `deployment`. */
export interface ContainerOptions {
  readonly image?: string;
  /** The one container port (`containerPort`); none when absent. */
  readonly port?: number;
  /** Its name, for a Service's named `targetPort` or a probe's named port. */
  readonly portName?: string;
  /** Its protocol; absent means the API default, TCP. */
  readonly protocol?: "TCP" | "UDP" | "SCTP";
  readonly readinessProbe?: Readonly<Record<string, unknown>>;
}

/** One container with at most one port; for several, write `containers` out. */
export function container(name: string, options: ContainerOptions = {}): ContainerInput {
  const { image, port, portName, protocol, readinessProbe } = options;
  return {
    name,
    ...(image !== undefined ? { image } : {}),
    ...(port !== undefined
      ? {
          ports: [
            {
              ...(portName !== undefined ? { name: portName } : {}),
              containerPort: port,
              ...(protocol !== undefined ? { protocol } : {}),
            },
          ],
        }
      : {}),
    ...(readinessProbe !== undefined ? { readinessProbe } : {}),
  };
}

/** The metadata every built object carries. */
interface MetadataInput {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Labels;
}

function metadata(name: string, namespace: string | undefined, labels: Labels | undefined): MetadataInput {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(labels !== undefined ? { labels } : {}),
  };
}

/** A Pod in the manifest shape. */
export interface PodInput {
  readonly apiVersion: "v1";
  readonly kind: "Pod";
  readonly metadata: MetadataInput;
  readonly spec: { readonly nodeName: string; readonly containers: readonly ContainerInput[] };
  readonly status?: { readonly podIP: string };
}

/** What `pod` builds. */
export interface PodOptions extends ContainerOptions {
  /** The node it runs on (`spec.nodeName`): a bare Pod is not scheduled, it is placed. */
  readonly node: string;
  readonly namespace?: string;
  /** None when absent. */
  readonly labels?: Labels;
  /** The container's name (default `app`). */
  readonly container?: string;
  /** The whole container list, instead of one built from the container fields. */
  readonly containers?: readonly ContainerInput[];
  /** A fixed Pod IP (`status.podIP`) instead of the next free one of the node's podCIDR. */
  readonly podIP?: string;
}

/** A bare Pod on a given node, with one container (named `app` unless told). */
export function pod(name: string, options: PodOptions): PodInput {
  const { node, namespace, labels, podIP } = options;
  const containers = options.containers ?? [container(options.container ?? "app", options)];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: metadata(name, namespace, labels),
    spec: { nodeName: node, containers },
    ...(podIP !== undefined ? { status: { podIP } } : {}),
  };
}

/** A Deployment in the manifest shape. */
export interface DeploymentInput {
  readonly apiVersion: "apps/v1";
  readonly kind: "Deployment";
  readonly metadata: MetadataInput;
  readonly spec: {
    readonly replicas: number;
    readonly strategy?: Readonly<Record<string, unknown>>;
    readonly selector: { readonly matchLabels: Labels };
    readonly template: {
      readonly metadata: { readonly labels: Labels };
      readonly spec: {
        readonly terminationGracePeriodSeconds?: number;
        readonly containers: readonly ContainerInput[];
      };
    };
  };
}

/** What `deployment` builds. */
export interface DeploymentOptions extends ContainerOptions {
  readonly replicas: number;
  readonly namespace?: string;
  /** The Pods' labels, also the selector (default `{ app: <name> }`). */
  readonly labels?: Labels;
  /** The container's name (default `app`). */
  readonly container?: string;
  /** The whole container list, instead of one built from the container fields. */
  readonly containers?: readonly ContainerInput[];
  /** `spec.strategy` in the manifest shape; absent means the API default (RollingUpdate 25%/25%). */
  readonly strategy?: Readonly<Record<string, unknown>>;
  readonly terminationGracePeriodSeconds?: number;
}

/**
 * A Deployment whose selector is its Pods' labels (`{ app: <name> }` unless
 * told), with one container (named `app` unless told).
 */
export function deployment(name: string, options: DeploymentOptions): DeploymentInput {
  const labels = options.labels ?? { app: name };
  const { replicas, namespace, strategy, terminationGracePeriodSeconds: grace } = options;
  const containers = options.containers ?? [container(options.container ?? "app", options)];
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: metadata(name, namespace, undefined),
    spec: {
      replicas,
      ...(strategy !== undefined ? { strategy } : {}),
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { ...(grace !== undefined ? { terminationGracePeriodSeconds: grace } : {}), containers },
      },
    },
  };
}

/** A Service port in the manifest shape. */
export interface ServicePortInput {
  readonly name?: string;
  readonly protocol?: "TCP" | "UDP" | "SCTP";
  readonly port: number;
  /** A number, or the name of a container port. Absent: the same as `port`. */
  readonly targetPort?: number | string;
  readonly nodePort?: number;
}

/** A Service in the manifest shape. */
export interface ServiceInput {
  readonly apiVersion: "v1";
  readonly kind: "Service";
  readonly metadata: MetadataInput;
  readonly spec: Readonly<Record<string, unknown>> & { readonly ports: readonly ServicePortInput[] };
}

/** What `service` builds. */
export interface ServiceOptions {
  readonly ports: readonly ServicePortInput[];
  /** Default `{ app: <name> }`; `null` for a Service without a selector (its EndpointSlices are written by hand). */
  readonly selector?: Labels | null;
  readonly namespace?: string;
  readonly labels?: Labels;
  /** Absent means the API default, ClusterIP. */
  readonly type?: "ClusterIP" | "NodePort" | "LoadBalancer";
  /** A fixed ClusterIP; `headless` sets "None". */
  readonly clusterIP?: string;
  /** `clusterIP: None`: DNS returns the Pods, kube-proxy programs nothing. */
  readonly headless?: boolean;
  readonly sessionAffinity?: "None" | "ClientIP";
  readonly externalTrafficPolicy?: "Cluster" | "Local";
  readonly internalTrafficPolicy?: "Cluster" | "Local";
  readonly publishNotReadyAddresses?: boolean;
}

/** A Service selecting `{ app: <name> }` unless told, with the given ports. */
export function service(name: string, options: ServiceOptions): ServiceInput {
  const { ports, namespace, labels, type, sessionAffinity } = options;
  const selector = options.selector === undefined ? { app: name } : options.selector;
  const clusterIP = options.headless ? "None" : options.clusterIP;
  const spec = {
    ...(type !== undefined ? { type } : {}),
    ...(clusterIP !== undefined ? { clusterIP } : {}),
    ...(selector !== null ? { selector } : {}),
    ...(sessionAffinity !== undefined ? { sessionAffinity } : {}),
    ...optional("externalTrafficPolicy", options.externalTrafficPolicy),
    ...optional("internalTrafficPolicy", options.internalTrafficPolicy),
    ...optional("publishNotReadyAddresses", options.publishNotReadyAddresses),
    ports,
  };
  return { apiVersion: "v1", kind: "Service", metadata: metadata(name, namespace, labels), spec };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
