// Every expected value here is a default of the real API server:
// pkg/apis/core/v1/defaults.go (SetDefaults_Service, SetDefaults_PodSpec,
// SetDefaults_Probe, SetDefaults_HTTPGetAction, defaultHostNetworkPorts),
// pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment),
// pkg/apis/discovery/v1/defaults.go (SetDefaults_EndpointPort).
import { describe, expect, it } from "vitest";
import {
  type Deployment,
  type EndpointSlice,
  type Node,
  type Pod,
  parseObject,
  type Service,
} from "../../src/api/index.ts";

const service = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}) =>
  parseObject({ apiVersion: "v1", kind: "Service", metadata: { name: "web", ...meta }, spec }, "t") as Service;

describe("Service defaults (SetDefaults_Service)", () => {
  it("defaults type, protocol, targetPort, affinity, internalTrafficPolicy and metadata", () => {
    const s = service({ selector: { app: "web" }, ports: [{ port: 80 }] });
    expect(s.metadata).toEqual({ name: "web", namespace: "default", labels: {}, annotations: {} });
    expect(s.spec.type).toBe("ClusterIP");
    expect(s.spec.ports).toEqual([{ protocol: "TCP", port: 80, targetPort: 80 }]);
    expect(s.spec.sessionAffinity).toBe("None");
    expect(s.spec.sessionAffinityConfig).toBeUndefined();
    expect(s.spec.internalTrafficPolicy).toBe("Cluster");
    // Only externally-accessible Services get an externalTrafficPolicy.
    expect(s.spec.externalTrafficPolicy).toBeUndefined();
    expect(s.spec.externalIPs).toEqual([]);
    expect(s.spec.loadBalancerSourceRanges).toEqual([]);
    expect(s.spec.publishNotReadyAddresses).toBe(false);
    expect(s.status).toEqual({ loadBalancer: { ingress: [] } });
  });

  it('treats targetPort 0 and "" as unset', () => {
    const s = service({
      ports: [
        { name: "a", port: 80, targetPort: 0 },
        { name: "b", port: 81, targetPort: "" },
      ],
    });
    expect(s.spec.ports.map((p) => p.targetPort)).toEqual([80, 81]);
  });

  it("keeps a named targetPort", () => {
    expect(service({ ports: [{ port: 80, targetPort: "http" }] }).spec.ports[0]!.targetPort).toBe("http");
  });

  it("gives ClientIP affinity a 10800 s timeout when none is set", () => {
    const s = service({ sessionAffinity: "ClientIP", ports: [{ port: 80 }] });
    expect(s.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    const t = service({
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      ports: [{ port: 80 }],
    });
    expect(t.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 60 } });
  });

  it("drops sessionAffinityConfig when affinity is None", () => {
    const s = service({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] });
    expect(s.spec.sessionAffinityConfig).toBeUndefined();
  });

  it("defaults externalTrafficPolicy to Cluster for NodePort, LoadBalancer and ClusterIP with externalIPs", () => {
    expect(service({ type: "NodePort", ports: [{ port: 80 }] }).spec.externalTrafficPolicy).toBe("Cluster");
    expect(service({ type: "LoadBalancer", ports: [{ port: 80 }] }).spec.externalTrafficPolicy).toBe("Cluster");
    expect(service({ externalIPs: ["192.0.2.7"], ports: [{ port: 80 }] }).spec.externalTrafficPolicy).toBe("Cluster");
  });

  it("defaults allocateLoadBalancerNodePorts to true for LoadBalancers only", () => {
    expect(service({ type: "LoadBalancer", ports: [{ port: 80 }] }).spec.allocateLoadBalancerNodePorts).toBe(true);
    expect(service({ type: "NodePort", ports: [{ port: 80 }] }).spec.allocateLoadBalancerNodePorts).toBeUndefined();
  });

  it("reads null fields as unset, as the Go decoder does", () => {
    const s = service({ selector: null, ports: [{ port: 80, protocol: null }] });
    expect(s.spec.selector).toBeUndefined();
    expect(s.spec.ports[0]!.protocol).toBe("TCP");
  });
});

describe("Pod defaults", () => {
  const pod = (spec: Record<string, unknown>, status?: Record<string, unknown>) =>
    parseObject({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec, status }, "t") as Pod;

  it("defaults the grace period to 30 s, hostNetwork false, protocol TCP and phase Pending", () => {
    const p = pod({ containers: [{ name: "c", ports: [{ containerPort: 8080 }] }] });
    expect(p.spec.terminationGracePeriodSeconds).toBe(30);
    expect(p.spec.hostNetwork).toBe(false);
    expect(p.spec.containers[0]!.ports).toEqual([{ containerPort: 8080, protocol: "TCP" }]);
    // The Pod strategy's PrepareForCreate starts every Pod in phase Pending.
    expect(p.status).toEqual({ phase: "Pending", conditions: [] });
  });

  it("defaults probe timings (1 s timeout, 10 s period, 1 success, 3 failures) and httpGet path /", () => {
    const p = pod({ containers: [{ name: "c", readinessProbe: { httpGet: { port: 8080 } } }] });
    expect(p.spec.containers[0]!.readinessProbe).toEqual({
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
      httpGet: { path: "/", port: 8080 },
    });
  });

  it("turns container ports into host ports under hostNetwork", () => {
    const p = pod({ hostNetwork: true, containers: [{ name: "c", ports: [{ containerPort: 9100 }] }] });
    expect(p.spec.containers[0]!.ports[0]!.hostPort).toBe(9100);
  });
});

describe("Deployment defaults (SetDefaults_Deployment)", () => {
  const deploy = (spec: Record<string, unknown>) =>
    parseObject(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d" },
        spec: {
          selector: { matchLabels: { app: "d" } },
          template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "c" }] } },
          ...spec,
        },
      },
      "t",
    ) as Deployment;

  it("defaults replicas 1, RollingUpdate with 25% surge and 25% unavailable, minReadySeconds 0", () => {
    const d = deploy({});
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" },
    });
    expect(d.spec.minReadySeconds).toBe(0);
  });

  it("fills only the missing half of rollingUpdate", () => {
    expect(deploy({ strategy: { rollingUpdate: { maxSurge: 1 } } }).spec.strategy.rollingUpdate).toEqual({
      maxSurge: 1,
      maxUnavailable: "25%",
    });
  });

  it("gives Recreate no rollingUpdate", () => {
    expect(deploy({ strategy: { type: "Recreate" } }).spec.strategy).toEqual({ type: "Recreate" });
  });
});

describe("EndpointSlice and Node defaults", () => {
  it('defaults slice port protocol TCP and name ""; keeps unknown conditions unknown', () => {
    const s = parseObject(
      {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { name: "s" },
        addressType: "IPv4",
        endpoints: [{ addresses: ["10.244.1.5"] }],
        ports: [{ port: 8080 }],
      },
      "t",
    ) as EndpointSlice;
    expect(s.ports).toEqual([{ name: "", protocol: "TCP", port: 8080 }]);
    // kube-proxy reads an absent `ready` as ready; the object must keep it absent.
    expect(s.endpoints[0]!.conditions).toEqual({});
  });

  it("keeps podCIDR and podCIDRs in step and clears a Node's namespace", () => {
    const n = parseObject(
      { apiVersion: "v1", kind: "Node", metadata: { name: "n", namespace: "x" }, spec: { podCIDR: "10.244.1.0/24" } },
      "t",
    ) as Node;
    expect(n.spec).toEqual({ podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"], unschedulable: false });
    expect(n.metadata.namespace).toBe("");
    expect(n.status.addresses).toEqual([]);
  });
});
