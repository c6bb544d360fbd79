/** Hand-built, fully defaulted API objects for the control-plane tests. */
import type { Container, Deployment, Node, Pod, Service, ServicePortSpec } from "../../src/api/index.ts";

export function node(
  name: string,
  opts: { podCIDR?: string; ip?: string; zone?: string; unschedulable?: boolean } = {},
): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      namespace: "",
      labels: opts.zone ? { "topology.kubernetes.io/zone": opts.zone } : {},
      annotations: {},
    },
    spec: { ...(opts.podCIDR ? { podCIDR: opts.podCIDR } : {}), unschedulable: opts.unschedulable ?? false },
    status: { addresses: opts.ip ? [{ type: "InternalIP", address: opts.ip }] : [] },
  };
}

export function container(
  name: string,
  ports: { name?: string; port: number }[] = [],
  extra: Partial<Container> = {},
): Container {
  return {
    name,
    ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.port, protocol: "TCP" as const })),
    ...extra,
  };
}

export function pod(
  name: string,
  opts: {
    namespace?: string;
    labels?: Record<string, string>;
    nodeName?: string;
    podIP?: string;
    ready?: boolean;
    terminating?: boolean;
    phase?: Pod["status"]["phase"];
    containers?: Container[];
    grace?: number;
  } = {},
): Pod {
  const ready = opts.ready ?? false;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: opts.namespace ?? "default",
      labels: opts.labels ?? { app: "web" },
      annotations: {},
      ...(opts.terminating ? { deletionTimestamp: "1.000000000" } : {}),
    },
    spec: {
      ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
      containers: opts.containers ?? [container("app", [{ name: "http", port: 8080 }])],
      hostNetwork: false,
      terminationGracePeriodSeconds: opts.grace ?? 30,
    },
    status: {
      phase: opts.phase ?? (opts.podIP ? "Running" : "Pending"),
      ...(opts.podIP ? { podIP: opts.podIP } : {}),
      conditions: opts.podIP ? [{ type: "Ready", status: ready ? "True" : "False" }] : [],
    },
  };
}

export function service(
  name: string,
  opts: {
    selector?: Record<string, string> | null;
    ports?: ServicePortSpec[];
    publishNotReadyAddresses?: boolean;
    clusterIP?: string;
    labels?: Record<string, string>;
  } = {},
): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default", labels: opts.labels ?? {}, annotations: {} },
    spec: {
      type: "ClusterIP",
      ...(opts.selector === null ? {} : { selector: opts.selector ?? { app: "web" } }),
      ports: opts.ports ?? [{ protocol: "TCP", port: 80, targetPort: "http" }],
      clusterIP: opts.clusterIP ?? "10.96.0.10",
      externalIPs: [],
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      loadBalancerSourceRanges: [],
      publishNotReadyAddresses: opts.publishNotReadyAddresses ?? false,
    },
    status: { loadBalancer: { ingress: [] } },
  };
}

export function deployment(
  name: string,
  opts: {
    replicas: number;
    strategy?: Deployment["spec"]["strategy"];
    image?: string;
    minReadySeconds?: number;
    grace?: number;
  },
): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", labels: {}, annotations: {} },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: {} },
        spec: {
          containers: [container("app", [{ name: "http", port: 8080 }], { image: opts.image ?? "web:1" })],
          hostNetwork: false,
          terminationGracePeriodSeconds: opts.grace ?? 30,
        },
      },
      strategy: opts.strategy ?? { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      minReadySeconds: opts.minReadySeconds ?? 0,
    },
  };
}
