import { type KubeObject, loadObjects } from "../../src/api/index.ts";
import { ApiStore, EndpointSliceController } from "../../src/control/index.ts";
import { type Nanos, Rng, Scheduler } from "../../src/engine/index.ts";

/** Manifest-shaped values → defaulted API objects, as the loader makes them. */
export function objects(...values: unknown[]): KubeObject[] {
  return loadObjects(values.map((value, i) => ({ value, source: { file: `dns-test[${i}]` } }))).objects;
}

/** A Service manifest. */
export function svc(name: string, spec: Record<string, unknown>, namespace = "default") {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec };
}

/** A running Pod manifest with an address, Ready or not, optionally StatefulSet-style (hostname + subdomain). */
export function pod(
  name: string,
  ip: string,
  opts: {
    labels?: Record<string, string>;
    ready?: boolean;
    hostname?: string;
    subdomain?: string;
    namespace?: string;
  } = {},
) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: opts.namespace ?? "default", labels: opts.labels ?? {} },
    spec: {
      nodeName: "node-a",
      containers: [{ name: "app", ports: [{ name: "tcp", containerPort: 5432 }] }],
      ...(opts.hostname ? { hostname: opts.hostname } : {}),
      ...(opts.subdomain ? { subdomain: opts.subdomain } : {}),
    },
    status: {
      phase: "Running",
      podIP: ip,
      conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True" }],
    },
  };
}

/**
 * An API store with the real EndpointSlice controller, holding `values`,
 * with every slice written: what CoreDNS's informers would list.
 */
export function apiWith(...values: unknown[]) {
  return apiOn(new Scheduler(), ...values);
}

/** `apiWith` on a given scheduler. */
export function apiOn(scheduler: Scheduler, ...values: unknown[]) {
  const store = new ApiStore({ clock: scheduler });
  new EndpointSliceController({ store, scheduler, rng: new Rng(1) });
  const node = { apiVersion: "v1", kind: "Node", metadata: { name: "node-a" }, spec: { podCIDR: "10.244.1.0/24" } };
  for (const o of objects(node, ...values)) store.create(o);
  scheduler.runUntil((scheduler.now + 1_000_000) as Nanos);
  return { scheduler, store };
}

/** The Services and Pods the resolver tests resolve against. */
export const WORLD = [
  svc("web", { selector: { app: "web" }, clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80 }] }),
];
