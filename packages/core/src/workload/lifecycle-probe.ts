import type { Container, Pod, Probe } from "../api/index.ts";
import type { ProbeOutcome, ReadinessProbeFn } from "../control/index.ts";
import type { NetNamespace } from "../net/index.ts";
import { PodApps } from "./lifecycle.ts";

/** What a probe's handler does, with its port resolved. */
export type ProbeAction =
  | { readonly kind: "httpGet" | "grpc" | "tcpSocket"; readonly port: number }
  | { readonly kind: "exec" }
  /** A named port that no port of the container has: the probe errors. */
  | { readonly kind: "unresolved"; readonly port: string };

/** The probe's handler and port; a named port is looked up in the probed container's own ports. */
// why: pkg/kubelet/prober prober.go runProbe → probe.ResolveContainerPort / findPortByName
// search the probed container's ports by name; an unknown name is a probe error (failure).
export function probeAction(probe: Probe, container: Container): ProbeAction {
  const handler = probe.httpGet ?? probe.tcpSocket;
  if (probe.grpc) return { kind: "grpc", port: probe.grpc.port };
  if (handler === undefined) return { kind: "exec" };
  const kind = probe.httpGet ? "httpGet" : "tcpSocket";
  if (typeof handler.port === "number") return { kind, port: handler.port };
  const named = container.ports.find((p) => p.name === handler.port);
  return named ? { kind, port: named.containerPort } : { kind: "unresolved", port: handler.port };
}

/**
 * The kubelet's readiness probe, answered by the Pod's applications. The
 * probe is modelled as a check inside the node, not as packets: the real
 * kubelet connects from the node's host namespace straight to the Pod's IP
 * (no Service, no NAT), so its verdict depends only on the Pod's sockets and
 * application, which this reads directly; the probe's own SYNs and requests
 * are not simulated, and NetworkPolicy on probes is not modelled.
 *
 * - `tcpSocket`: success when something listens on the port (the kernel
 *   completes the handshake whatever the application is doing).
 * - `httpGet` / `grpc`: refused (failure) when nothing listens; otherwise the
 *   request goes to the application on that port, which answers after
 *   waiting its turn for a worker, so an overloaded server fails its probe by
 *   `timeoutSeconds`. A listener that no registered application owns answers
 *   at once with success.
 * - `exec`: commands are not run; success.
 */
// why: pkg/probe/tcp DoTCPProbe (net.DialTimeout: success once connected) and pkg/probe/http
// DoHTTPProbe (success for 200 ≤ code < 400, failure on connection refused or timeout).
export function appReadinessProbe(netnsOf: (pod: Pod) => NetNamespace | undefined): ReadinessProbeFn {
  return (pod, _now, container): ProbeOutcome => {
    const probe = container.readinessProbe;
    if (!probe) return true;
    const action = probeAction(probe, container);
    if (action.kind === "exec") return true;
    if (action.kind === "unresolved") return false;
    const netns = netnsOf(pod);
    if (!netns?.isBound("TCP", action.port)) return false;
    if (action.kind === "tcpSocket") return true;
    const app = PodApps.find(netns)?.on("TCP", action.port);
    return app ? (done) => app.probe(done) : true;
  };
}
