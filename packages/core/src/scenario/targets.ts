import type { DnsSystem } from "../dns/index.ts";
import type { Nanos } from "../engine/index.ts";
import { parseIPv4 } from "../net/index.ts";
import type { LoadPlan, RequestError, TargetLookup, TargetResolver } from "../workload/index.ts";
import type { SimCluster } from "./cluster.ts";
import type { ClientSpec } from "./schema.ts";

/** A client's `to`, as written. */
export type ClientTarget = ClientSpec["to"];

/** A client's `load`, as validated. */
export type ClientLoad = Extract<ClientSpec, { kind: "http1" }>["load"];

/**
 * Resolves a target that needs no DNS at each request, from the API objects
 * as they are then: an `ip:port`, a Pod's IP, or a Service's ClusterIP (a
 * headless Service or an unknown port gives none).
 */
export function staticTarget(cluster: SimCluster, namespace: string, to: ClientTarget): TargetResolver {
  if (typeof to === "string") {
    const [ip, port] = to.split(":");
    const target = { ip: parseIPv4(ip as string), port: Number(port) };
    return () => target;
  }
  if ("pod" in to) {
    return () => {
      const ip = cluster.store.get("Pod", `${namespace}/${to.pod}`)?.status.podIP;
      return ip ? { ip: parseIPv4(ip), port: to.port } : undefined;
    };
  }
  if ("service" in to) {
    return () => {
      const svc = cluster.store.get("Service", `${to.namespace}/${to.service}`);
      const port = svc?.spec.ports.find((p) => p.port === to.port || p.name === to.port);
      if (!svc || !port) return undefined;
      switch (to.via) {
        case "cluster-ip": {
          const ip = svc.spec.clusterIP;
          return ip && ip !== "None" ? { ip: parseIPv4(ip), port: port.port } : undefined;
        }
        case "load-balancer": {
          // Read at each connection: the frontend exists once the balancer has provisioned it.
          const ip = svc.status.loadBalancer?.ingress?.[0]?.ip;
          return ip ? { ip: parseIPv4(ip), port: port.port } : undefined;
        }
        case "external-ip": {
          const ip = svc.spec.externalIPs?.[0];
          return ip ? { ip: parseIPv4(ip), port: port.port } : undefined;
        }
        case "node-port": {
          const node = cluster.store.get("Node", to.node ?? "");
          const ip = node?.status.addresses?.find((a) => a.type === "InternalIP")?.address;
          return ip && port.nodePort ? { ip: parseIPv4(ip), port: port.nodePort } : undefined;
        }
      }
    };
  }
  return () => undefined;
}

/**
 * Finds where a new connection goes, at each dial: a DNS name through the
 * client Pod's stub resolver (asynchronously, its first IPv4 address, as
 * Node's `dns.lookup` gives and Go's dialer tries first), anything else at
 * once. A failed lookup fails the request with `dns-<error>`.
 */
export function targetLookup(
  cluster: SimCluster,
  dns: DnsSystem | undefined,
  /** The client's Pod key; undefined for an external client, which has no cluster resolver. */
  pod: string | undefined,
  namespace: string,
  to: ClientTarget,
): TargetLookup {
  if (typeof to === "object" && "name" in to) {
    return (done) => {
      const resolver = pod === undefined ? undefined : dns?.resolver(pod);
      if (!resolver) {
        done("no-target");
        return;
      }
      resolver.lookup(to.name, (record) => {
        const first = record.addresses?.[0];
        if (record.error !== undefined || first === undefined) {
          done(`dns-${record.error ?? "no-address"}` as RequestError);
          return;
        }
        done({ ip: parseIPv4(first), port: to.port });
      });
    };
  }
  const resolve = staticTarget(cluster, namespace, to);
  return (done) => done(resolve() ?? "no-target");
}

/** The load generator's plan for a client's `load`. */
export function loadPlanOf(load: ClientLoad): LoadPlan {
  switch (load.type) {
    case "interval":
      return { kind: "interval", interval: load.interval, requests: load.requests };
    case "open":
      return {
        kind: "open",
        rate: load.rate,
        ramp: load.ramp.map((p) => ({ at: p.at, rate: p.rate, ...(p.over !== undefined ? { over: p.over } : {}) })),
        ...(load.requests !== undefined ? { requests: load.requests } : {}),
      };
    case "closed":
      return {
        kind: "closed",
        concurrency: load.concurrency,
        think: load.think as Nanos,
        thinkDistribution: load.thinkDistribution,
        ...(load.requests !== undefined ? { requests: load.requests } : {}),
      };
  }
}
