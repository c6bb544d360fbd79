import { type ConntrackConfig, kubeProxyConntrackConfig } from "../conntrack/index.ts";
import type { ClusterSpec } from "./schema.ts";

const SECOND = 1e9;

/**
 * One node's conntrack sysctls: kube-proxy's (nf_conntrack_max =
 * max(maxPerCore × cpus, min), capped at 1048576; hashsize max/4; its TCP
 * established and close-wait timeouts), then the scenario's overrides — the
 * node's `conntrackMax`, or `cluster.conntrack.max`, as if an operator set
 * the sysctl by hand after kube-proxy started.
 */
// why: cmd/kube-proxy/app/server_linux.go setupConntrack → pkg/proxy/conntrack/sysctls.go
// getConntrackMax / setSysctls; kubeProxyConntrackConfig holds the arithmetic and its citation.
export function nodeConntrackConfig(spec: ClusterSpec, node: ClusterSpec["nodes"][number]): ConntrackConfig {
  const ct = spec.conntrack;
  const override = node.conntrackMax ?? ct.max;
  const seconds = (ns: number | undefined) => (ns === undefined ? undefined : Math.round(ns / SECOND));
  const config = kubeProxyConntrackConfig({
    cores: node.cpus,
    maxPerCore: ct.maxPerCore,
    min: ct.min,
    tcpEstablishedTimeout: seconds(ct.tcpEstablishedTimeout),
    tcpCloseWaitTimeout: seconds(ct.tcpCloseWaitTimeout),
    udpTimeout: seconds(ct.udpTimeout),
    udpStreamTimeout: seconds(ct.udpStreamTimeout),
    kernelMax: override,
  });
  if (override !== undefined) config.max = override;
  config.hashsize = ct.hashsize ?? Math.max(1, Math.floor(config.max / 4));
  if (ct.tcpTimeWait !== undefined) config.timeouts.tcpTimeWait = seconds(ct.tcpTimeWait) as number;
  return config;
}
