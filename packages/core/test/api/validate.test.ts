// Each rule here is one the API server applies: kubernetes
// pkg/apis/core/validation/validation.go (ValidateService, validateServicePort,
// validateAffinityTimeout, validateServiceExternalTrafficPolicy, ValidateNode),
// apimachinery pkg/util/validation (IsValidPortName, IsDNS1035Label),
// pkg/apis/apps/validation (ValidateRollingUpdateDeployment) and
// pkg/apis/discovery/validation (validateEndpoints).
import { describe, expect, it } from "vitest";
import { checkPortName, parseObject } from "../../src/api/index.ts";
import { InputError } from "../../src/engine/index.ts";

function problems(value: Record<string, unknown>): string[] {
  try {
    parseObject(value, "t.yaml");
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => p.replace(/^t\.yaml, [^:]+: /, ""));
    throw err;
  }
  return [];
}

const service = (spec: Record<string, unknown>, name = "web") =>
  problems({ apiVersion: "v1", kind: "Service", metadata: { name }, spec });

describe("Service validation", () => {
  it("accepts a plain ClusterIP Service", () => {
    expect(service({ selector: { app: "web" }, ports: [{ port: 80 }] })).toEqual([]);
  });

  it("requires DNS-1035 names (Service names must start with a letter)", () => {
    expect(service({ ports: [{ port: 80 }] }, "1web")[0]).toMatch(
      /^metadata\.name: must be an RFC 1035 label .*got "1web"$/,
    );
  });

  it("requires ports unless headless or ExternalName", () => {
    expect(service({})).toEqual(["spec.ports: is required (at least one port)"]);
    expect(service({ clusterIP: "None" })).toEqual([]);
  });

  it("requires unique names once there is more than one port", () => {
    expect(service({ ports: [{ port: 80 }, { port: 81 }] })).toEqual([
      "spec.ports[0].name: is required when the Service has more than one port",
      "spec.ports[1].name: is required when the Service has more than one port",
    ]);
    expect(
      service({
        ports: [
          { name: "http", port: 80 },
          { name: "http", port: 81 },
        ],
      }),
    ).toEqual(['spec.ports[1].name: duplicate port name "http" (also at index 0)']);
  });

  it("rejects duplicate port/protocol pairs but allows the same port over TCP and UDP", () => {
    expect(
      service({
        ports: [
          { name: "a", port: 53 },
          { name: "b", port: 53 },
        ],
      }),
    ).toEqual(["spec.ports[1]: duplicate port 53/TCP (also at index 0)"]);
    expect(
      service({
        ports: [
          { name: "a", port: 53, protocol: "UDP" },
          { name: "b", port: 53 },
        ],
      }),
    ).toEqual([]);
  });

  it("checks targetPort numbers and IANA names", () => {
    expect(service({ ports: [{ port: 80, targetPort: 0x10000 }] })).toEqual([
      "spec.ports[0].targetPort: must be between 1 and 65535, got 65536",
    ]);
    expect(service({ ports: [{ port: 80, targetPort: "http-metrics" }] })).toEqual([]);
  });

  it("follows IsValidPortName for every rule", () => {
    expect(checkPortName("http")).toBeUndefined();
    expect(checkPortName("a".repeat(15))).toBeUndefined();
    for (const bad of ["", "a".repeat(16), "8080", "HTTP", "a--b", "-ab", "ab-", "a_b"])
      expect(checkPortName(bad)).toBeDefined();
  });

  it("requires externalName for ExternalName and forbids a clusterIP there", () => {
    expect(service({ type: "ExternalName" })).toEqual(["spec.externalName: is required for ExternalName services"]);
    expect(service({ type: "ExternalName", externalName: "db.example.com.", clusterIP: "10.96.0.5" })).toEqual([
      "spec.clusterIP: may not be set for ExternalName services",
    ]);
  });

  it("forbids headless NodePort and LoadBalancer Services", () => {
    expect(service({ type: "NodePort", clusterIP: "None", ports: [{ port: 80 }] })).toEqual([
      "spec.clusterIP: may not be set to 'None' for NodePort services",
    ]);
  });

  it("forbids nodePort on ClusterIP Services", () => {
    expect(service({ ports: [{ port: 80, nodePort: 30080 }] })).toEqual([
      "spec.ports[0].nodePort: may not be used when `type` is 'ClusterIP'",
    ]);
  });

  it("bounds the ClientIP affinity timeout to 1..86400", () => {
    const aff = (t: number) =>
      service({
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: t } },
        ports: [{ port: 80 }],
      });
    expect(aff(86400)).toEqual([]);
    expect(aff(86401)).toEqual([
      "spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be between 1 and 86400, got 86401",
    ]);
    expect(aff(0)).toEqual(["spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be between 1 and 86400, got 0"]);
  });

  it("allows externalTrafficPolicy only on externally-accessible Services", () => {
    expect(service({ externalTrafficPolicy: "Local", ports: [{ port: 80 }] })).toEqual([
      "spec.externalTrafficPolicy: may only be set for externally-accessible services (NodePort, LoadBalancer, or with externalIPs)",
    ]);
    expect(service({ externalTrafficPolicy: "Local", externalIPs: ["192.0.2.7"], ports: [{ port: 80 }] })).toEqual([]);
  });

  it("allows healthCheckNodePort only for LoadBalancer with externalTrafficPolicy Local", () => {
    expect(service({ type: "NodePort", healthCheckNodePort: 30500, ports: [{ port: 80 }] })).toEqual([
      "spec.healthCheckNodePort: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
    ]);
  });

  it("checks enums: type, protocol, internalTrafficPolicy", () => {
    expect(service({ type: "Headless", ports: [{ port: 80 }] })).toEqual([
      'spec.type: must be one of "ClusterIP", "NodePort", "LoadBalancer", "ExternalName", got "Headless"',
    ]);
    expect(service({ internalTrafficPolicy: "Node", ports: [{ port: 80 }] })).toEqual([
      'spec.internalTrafficPolicy: must be one of "Cluster", "Local", got "Node"',
    ]);
  });

  it("rejects special external IPs and source ranges on non-LoadBalancers", () => {
    expect(service({ externalIPs: ["127.0.0.1"], ports: [{ port: 80 }] })).toEqual([
      'spec.externalIPs[0]: may not be in the loopback range (127.0.0.0/8), got "127.0.0.1"',
    ]);
    expect(service({ loadBalancerSourceRanges: ["10.0.0.0/8"], ports: [{ port: 80 }] })).toEqual([
      "spec.loadBalancerSourceRanges: may only be used when `type` is 'LoadBalancer'",
    ]);
  });

  it("refuses IPv6 and dual-stack, which svcsim does not model", () => {
    expect(service({ ipFamilies: ["IPv6"], ports: [{ port: 80 }] })).toEqual([
      'spec.ipFamilies[0]: svcsim models IPv4 only, got "IPv6"',
    ]);
    expect(service({ clusterIP: "fd00::1", ports: [{ port: 80 }] })[0]).toMatch(
      /^spec\.clusterIP: must be an IPv4 address/,
    );
  });

  it("validates selector labels", () => {
    expect(service({ selector: { app: "not valid!" }, ports: [{ port: 80 }] })[0]).toMatch(
      /^spec\.selector\.app: must be a valid label value/,
    );
    expect(service({ selector: { "app.kubernetes.io/name": "x" }, ports: [{ port: 80 }] })).toEqual([]);
  });
});

describe("Pod, Deployment, EndpointSlice and Node validation", () => {
  const deployment = (spec: Record<string, unknown>) =>
    problems({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: {
        selector: { matchLabels: { app: "d" } },
        template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "c" }] } },
        ...spec,
      },
    });

  it("requires the template labels to match the selector", () => {
    expect(deployment({ selector: { matchLabels: { app: "x" } } })).toEqual([
      "spec.template.metadata.labels: must match spec.selector.matchLabels (differs at app)",
    ]);
  });

  it("forbids a rolling update with maxSurge and maxUnavailable both 0, and maxUnavailable over 100%", () => {
    expect(deployment({ strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } } })).toEqual([
      "spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when `maxSurge` is 0",
    ]);
    expect(deployment({ strategy: { rollingUpdate: { maxUnavailable: "150%" } } })).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: must not be greater than 100%, got "150%"',
    ]);
  });

  it("checks container ports, probe handlers and the preStop sleep against the grace period", () => {
    const pod = problems({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: {
        terminationGracePeriodSeconds: 10,
        containers: [
          {
            name: "c",
            ports: [{ containerPort: 70000 }],
            readinessProbe: {},
            lifecycle: { preStop: { sleep: { seconds: 20 } } },
          },
        ],
      },
    });
    expect(pod).toEqual([
      "spec.containers[0].ports[0].containerPort: must be between 1 and 65535, got 70000",
      "spec.containers[0].readinessProbe: must specify exactly one handler (httpGet, tcpSocket, exec or grpc), got 0",
      "spec.containers[0].lifecycle.preStop.sleep.seconds: must be between 0 and terminationGracePeriodSeconds (10), got 20",
    ]);
  });

  it("requires every endpoint to have an address of the slice's type", () => {
    const slice = problems({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "s" },
      addressType: "IPv4",
      endpoints: [{ addresses: [] }, { addresses: ["10.244.1.300"] }],
    });
    expect(slice).toEqual([
      "endpoints[0].addresses: must contain at least 1 address",
      'endpoints[1].addresses[0]: must be an IPv4 address such as 10.0.0.1, got "10.244.1.300"',
    ]);
  });

  it("checks Node podCIDRs and addresses", () => {
    const node = problems({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "n" },
      spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.2.0/24"] },
      status: { addresses: [{ type: "InternalIP", address: "nope" }] },
    });
    expect(node).toEqual([
      'spec.podCIDRs[0]: must match spec.podCIDR "10.244.1.0/24", got "10.244.2.0/24"',
      'status.addresses[0].address: must be an IPv4 address such as 10.0.0.1, got "nope"',
    ]);
  });
});
