/**
 * Kubernetes objects as svcsim holds them: the real manifest shape, after the
 * API server's defaulting (see `defaults.ts`). Only the fields the Service
 * packet path depends on are kept; the zod schemas in `schemas/` and `kinds.ts` accept real
 * manifests (unknown fields are ignored, as `kubectl apply` would keep them
 * but nothing here reads them) and produce these types.
 */

export type Protocol = "TCP" | "UDP" | "SCTP";
export type ServiceType = "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";
export type TrafficPolicy = "Cluster" | "Local";

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Set when the object is being deleted (Pods: termination started). */
  deletionTimestamp?: string;
  uid?: string;
}

export interface ServicePortSpec {
  name?: string;
  protocol: Protocol;
  port: number;
  /** Defaulted to `port` when absent. A string names a container port. */
  targetPort: number | string;
  /** Present for NodePort and LoadBalancer Services (allocated when absent). */
  nodePort?: number;
  appProtocol?: string;
}

export interface ServiceSpec {
  type: ServiceType;
  /** Absent means a Service without a selector: its EndpointSlices are user supplied. */
  selector?: Record<string, string>;
  ports: ServicePortSpec[];
  /** "None" for a headless Service; an address otherwise (allocated when absent). */
  clusterIP?: string;
  clusterIPs?: string[];
  externalName?: string;
  externalIPs: string[];
  sessionAffinity: "None" | "ClientIP";
  sessionAffinityConfig?: { clientIP: { timeoutSeconds: number } };
  /** Only meaningful for NodePort and LoadBalancer; defaulted to Cluster there. */
  externalTrafficPolicy?: TrafficPolicy;
  internalTrafficPolicy: TrafficPolicy;
  /** Allocated for LoadBalancer Services with externalTrafficPolicy Local. */
  healthCheckNodePort?: number;
  loadBalancerIP?: string;
  loadBalancerSourceRanges: string[];
  allocateLoadBalancerNodePorts?: boolean;
  publishNotReadyAddresses: boolean;
  trafficDistribution?: string;
}

export interface Service {
  apiVersion: "v1";
  kind: "Service";
  metadata: ObjectMeta;
  spec: ServiceSpec;
  status: { loadBalancer: { ingress: { ip?: string; hostname?: string }[] } };
}

export interface EndpointConditions {
  /** Absent (unknown) is read as ready, as kube-proxy does. */
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions: EndpointConditions;
  hostname?: string;
  nodeName?: string;
  zone?: string;
  hints?: { forZones?: { name: string }[]; forNodes?: { name: string }[] };
  targetRef?: { kind: string; name: string; namespace?: string };
}

export interface EndpointPort {
  name?: string;
  protocol: Protocol;
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice {
  apiVersion: "discovery.k8s.io/v1";
  kind: "EndpointSlice";
  metadata: ObjectMeta;
  addressType: "IPv4" | "IPv6" | "FQDN";
  endpoints: Endpoint[];
  ports: EndpointPort[];
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: Protocol;
  hostPort?: number;
}

export interface Probe {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
  /** A gRPC health check (grpc.health.v1) on `port`. */
  grpc?: { port: number; service?: string };
}

export interface Container {
  name: string;
  image?: string;
  ports: ContainerPort[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: {
    preStop?: {
      sleep?: { seconds: number };
      exec?: { command: string[] };
      httpGet?: { path?: string; port: number | string };
    };
  };
}

export interface PodSpec {
  nodeName?: string;
  containers: Container[];
  hostNetwork: boolean;
  terminationGracePeriodSeconds: number;
  hostname?: string;
  subdomain?: string;
}

export interface PodCondition {
  type: string;
  status: "True" | "False" | "Unknown";
}

export interface Pod {
  apiVersion: "v1";
  kind: "Pod";
  metadata: ObjectMeta;
  spec: PodSpec;
  status: {
    phase: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
    podIP?: string;
    hostIP?: string;
    conditions: PodCondition[];
  };
}

export interface DeploymentStrategy {
  type: "RollingUpdate" | "Recreate";
  rollingUpdate?: { maxSurge: number | string; maxUnavailable: number | string };
}

export interface Deployment {
  apiVersion: "apps/v1";
  kind: "Deployment";
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec };
    strategy: DeploymentStrategy;
    minReadySeconds: number;
  };
}

export interface NodeAddress {
  type: "InternalIP" | "ExternalIP" | "Hostname" | "InternalDNS" | "ExternalDNS";
  address: string;
}

export interface Node {
  apiVersion: "v1";
  kind: "Node";
  metadata: ObjectMeta;
  spec: { podCIDR?: string; podCIDRs?: string[]; unschedulable: boolean };
  status: {
    addresses: NodeAddress[];
    /** Resource quantities (`cpu: "4"`, `cpu: "3500m"`); the EndpointSlice controller's topology cache reads `cpu`. */
    allocatable?: Record<string, string>;
  };
}

/** Every object kind svcsim understands. */
export type KubeObject = Service | EndpointSlice | Pod | Deployment | Node;
export type KubeKind = KubeObject["kind"];

/** The well-known label carrying a Node's zone. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";
/** The label linking an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
/** The label naming the controller that manages an EndpointSlice. */
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
