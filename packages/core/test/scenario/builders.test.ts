import { describe, expect, it } from "vitest";
import { inspectObject } from "../../src/api/index.ts";
import { container, deployment, nodes, pod, prepareScenario, service } from "../../src/scenario/index.ts";

describe("scenario builders", () => {
  it("nodes: node-a… with kubeadm-like addresses and round-robin zones", () => {
    expect(nodes(3, { zones: ["z1", "z2"] })).toEqual([
      { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24", zone: "z1" },
      { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24", zone: "z2" },
      { name: "node-c", ip: "192.168.0.12", podCIDR: "10.244.3.0/24", zone: "z1" },
    ]);
    expect(nodes(1)).toEqual([{ name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" }]);
    expect(() => nodes(0)).toThrow(RangeError);
    expect(() => nodes(27)).toThrow(RangeError);
  });

  it("deployment: the selector is the Pods' labels, { app: <name> } by default", () => {
    expect(deployment("web", { replicas: 2, container: "http", port: 8080, portName: "http" })).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "http", ports: [{ name: "http", containerPort: 8080 }] }] },
        },
      },
    });
    const d = deployment("api", { replicas: 1, labels: { tier: "api" }, namespace: "prod" });
    expect(d.spec.selector.matchLabels).toBe(d.spec.template.metadata.labels);
    expect(d.metadata).toEqual({ name: "api", namespace: "prod" });
    expect(d.spec.template.spec.containers).toEqual([{ name: "app" }]);
  });

  it("service: selects { app: <name> } unless told; headless is clusterIP None; null means no selector", () => {
    const ports = [{ name: "http", port: 80, targetPort: "http" }];
    expect(service("web", { ports })).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: { app: "web" }, ports },
    });
    expect(service("web-headless", { selector: { app: "web" }, headless: true, ports }).spec).toEqual({
      clusterIP: "None",
      selector: { app: "web" },
      ports,
    });
    expect(service("ext", { selector: null, type: "NodePort", externalTrafficPolicy: "Local", ports }).spec).toEqual({
      type: "NodePort",
      externalTrafficPolicy: "Local",
      ports,
    });
  });

  it("pod: placed on its node, one container named app unless told, optional fixed IP", () => {
    expect(pod("statsd", { node: "node-b", labels: { app: "statsd" }, port: 8125, protocol: "UDP" })).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "statsd", labels: { app: "statsd" } },
      spec: { nodeName: "node-b", containers: [{ name: "app", ports: [{ containerPort: 8125, protocol: "UDP" }] }] },
    });
    expect(pod("egress", { node: "node-a", podIP: "10.244.1.100" }).status).toEqual({ podIP: "10.244.1.100" });
    const two = [container("a", { port: 1 }), container("b", { port: 2 })];
    expect(pod("multi", { node: "node-a", containers: two }).spec.containers).toBe(two);
  });

  it("builds objects the manifest parser accepts, and a scenario that prepares", () => {
    const objects = [
      pod("client", { node: "node-a", container: "curl" }),
      deployment("web", {
        replicas: 3,
        port: 8080,
        portName: "http",
        readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 1 },
      }),
      service("web", { sessionAffinity: "ClientIP", ports: [{ port: 80, targetPort: "http" }] }),
    ];
    for (const o of objects) expect(inspectObject(o).status).toBe("ok");
    const prepared = prepareScenario(
      {
        name: "built",
        duration: "1s",
        cluster: { nodes: nodes(2, { zones: ["zone-a"] }), proxy: { mode: "iptables" }, clusterCIDR: "10.244.0.0/16" },
        objects,
      },
      "built.ts",
    );
    expect(prepared.scenario.cluster.nodes.map((n) => n.zone)).toEqual(["zone-a", "zone-a"]);
  });
});
