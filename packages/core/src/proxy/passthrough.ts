import type { ProxyView, ServiceProxy, SyncStats } from "./types.ts";
import { ACCEPT } from "./types.ts";

/**
 * A proxy that programs nothing and accepts every packet: a node with no
 * service dataplane, where only Pod IPs are reachable. The baseline the
 * dataplanes are compared with.
 */
export class PassthroughProxy implements ServiceProxy {
  readonly mode = "passthrough" as const;

  sync(view: ProxyView): SyncStats {
    let endpoints = 0;
    for (const slice of view.endpointSlices.values()) endpoints += slice.endpoints.length;
    return { services: view.services.size, endpoints, written: 0 };
  }

  process() {
    return ACCEPT;
  }
}
