import type { NodeWatch } from "../control/index.ts";

/** Told when a node's kube-proxy process dies or starts. */
export interface KubeProxyLifecycle {
  stopped(): void;
  started(): void;
}

/**
 * Chains `handlers` onto a NodeWatch's stop() and start(), on this instance
 * only: NodeWatch has no lifecycle callback, and the health servers must
 * close their listeners the moment kube-proxy is killed (a process's sockets
 * die with it) and re-open them when it restarts. Several chains compose.
 */
export function onKubeProxyLifecycle(watch: NodeWatch, handlers: KubeProxyLifecycle): void {
  const stop = watch.stop.bind(watch);
  const start = watch.start.bind(watch);
  watch.stop = () => {
    const wasRunning = watch.running;
    stop();
    if (wasRunning) handlers.stopped();
  };
  watch.start = () => {
    const wasRunning = watch.running;
    start();
    if (!wasRunning) handlers.started();
  };
}
