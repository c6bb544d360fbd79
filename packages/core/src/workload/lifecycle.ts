import type { Container, Pod } from "../api/index.ts";
import type { NetNamespace } from "../net/index.ts";

/**
 * An application process listening in a Pod, as the kubelet reaches it:
 * health requests for probes, and the signals of a Pod's termination.
 * `RequestServer` implements it; other servers (HTTP/2, gRPC) can too, by
 * registering with {@link PodApps.of}.
 */
export interface PodApp {
  readonly protocol: "TCP" | "UDP";
  /** The container port it listens on. */
  readonly port: number;
  /** An HTTP or gRPC health request reached the application: `done(true)` for a 2xx / SERVING answer. */
  probe(done: (success: boolean) => void): void;
  /** SIGTERM: the application starts its shutdown and calls `exited` when its process has exited. */
  sigterm(exited: () => void): void;
  /** SIGKILL: the process dies now; the kernel closes its sockets. */
  sigkill(): void;
  /** The Pod's namespace vanished: the sockets are gone without a packet. */
  crash(): void;
}

const registries = new WeakMap<NetNamespace, PodApps>();

/**
 * The applications of one Pod's network namespace, and how the kubelet's
 * signals reach them. An application belongs to the container that declares
 * its port in `ports[]`; an undeclared port belongs to the first container
 * (declaring ports is informational in Kubernetes, so many Pods omit them).
 */
export class PodApps {
  private readonly apps: PodApp[] = [];

  /** The registry of a namespace, made on first use. */
  static of(netns: NetNamespace): PodApps {
    let apps = registries.get(netns);
    if (!apps) {
      apps = new PodApps();
      registries.set(netns, apps);
    }
    return apps;
  }

  /** The registry of a namespace if any application registered there. */
  static find(netns: NetNamespace): PodApps | undefined {
    return registries.get(netns);
  }

  /** Registers an application. */
  add(app: PodApp): void {
    this.apps.push(app);
  }

  /** The application listening on (protocol, port), if one registered. */
  on(protocol: "TCP" | "UDP", port: number): PodApp | undefined {
    return this.apps.find((a) => a.protocol === protocol && a.port === port);
  }

  /** The applications that run in `container` of `pod`, in registration order. */
  inContainer(pod: Pod, container: Container): PodApp[] {
    return this.apps.filter((app) => ownerOf(pod, app) === container.name);
  }

  /**
   * SIGTERM to a container's applications; `exited` once all of them have
   * exited. A container without any registered application does not exit on
   * its own (a shell or `sleep` as PID 1 ignores SIGTERM: the kernel does not
   * apply default signal actions to a namespace's init), so SIGKILL ends it.
   */
  sigterm(pod: Pod, container: Container, exited: () => void): void {
    const apps = this.inContainer(pod, container);
    if (apps.length === 0) return;
    let left = apps.length;
    for (const app of apps) {
      let done = false;
      app.sigterm(() => {
        if (done) return;
        done = true;
        if (--left === 0) exited();
      });
    }
  }

  /** SIGKILL to a container's applications. */
  sigkill(pod: Pod, container: Container): void {
    for (const app of this.inContainer(pod, container)) app.sigkill();
  }

  /** The namespace is gone: every application stops without a packet. */
  crash(): void {
    for (const app of this.apps) app.crash();
  }
}

/** The name of the container an application runs in. */
function ownerOf(pod: Pod, app: PodApp): string | undefined {
  const declared = pod.spec.containers.find((c) =>
    c.ports.some((p) => p.containerPort === app.port && p.protocol === app.protocol),
  );
  return (declared ?? pod.spec.containers[0])?.name;
}
