/**
 * Conntrack timeouts, in seconds, named like the sysctls under
 * /proc/sys/net/netfilter/nf_conntrack_*_timeout*.
 */
export interface ConntrackTimeouts {
  tcpSynSent: number;
  tcpSynRecv: number;
  tcpEstablished: number;
  tcpFinWait: number;
  tcpCloseWait: number;
  tcpLastAck: number;
  tcpTimeWait: number;
  tcpClose: number;
  /** nf_conntrack_tcp_timeout_max_retrans. */
  tcpMaxRetrans: number;
  /** nf_conntrack_tcp_timeout_unacknowledged. */
  tcpUnacknowledged: number;
  /** nf_conntrack_udp_timeout: a flow not (yet) seen as a stream. */
  udp: number;
  /** nf_conntrack_udp_timeout_stream: a replied flow still active after 2 s. */
  udpStream: number;
  icmp: number;
  /** nf_conntrack_generic_timeout: protocols without their own tracker (SCTP here). */
  generic: number;
}

/**
 * The kernel's defaults.
 * why: nf_conntrack_proto_tcp.c tcp_timeouts[] (SYN_SENT 2 MINS, SYN_RECV
 * 60 SECS, ESTABLISHED 5 DAYS, FIN_WAIT 2 MINS, CLOSE_WAIT 60 SECS,
 * LAST_ACK 30 SECS, TIME_WAIT 2 MINS, CLOSE 10 SECS, RETRANS and UNACK
 * 5 MINS); nf_conntrack_proto_udp.c udp_timeouts[] (UNREPLIED 30 s,
 * REPLIED 120 s on current kernels — older kernels used 180 s);
 * nf_conntrack_proto_icmp.c 30 s; nf_conntrack_proto_generic.c 600 s.
 */
export const LINUX_TIMEOUTS: Readonly<ConntrackTimeouts> = {
  tcpSynSent: 120,
  tcpSynRecv: 60,
  tcpEstablished: 432000,
  tcpFinWait: 120,
  tcpCloseWait: 60,
  tcpLastAck: 30,
  tcpTimeWait: 120,
  tcpClose: 10,
  tcpMaxRetrans: 300,
  tcpUnacknowledged: 300,
  udp: 30,
  udpStream: 120,
  icmp: 30,
  generic: 600,
};

/** What a node's conntrack is configured with (sysctls). */
export interface ConntrackConfig {
  /** nf_conntrack_max: confirmed entries the table holds before new flows are dropped. */
  max: number;
  /** Hash buckets (nf_conntrack_buckets); early drop scans 8 of them. */
  hashsize: number;
  timeouts: ConntrackTimeouts;
  /** nf_conntrack_tcp_loose (default 1): pick up TCP connections mid-stream from a bare ACK. */
  tcpLoose: boolean;
  /**
   * nf_conntrack_tcp_be_liberal (kube-proxy `--conntrack-tcp-be-liberal`).
   * Kept as a flag only: svcsim packets carry no sequence numbers, so the
   * window checks it relaxes are not modelled.
   */
  tcpBeLiberal: boolean;
}

/** kube-proxy's `conntrack` configuration block (KubeProxyConntrackConfiguration), seconds for durations. */
export interface KubeProxyConntrackOptions {
  /** CPUs of the node (detectNumCPU). */
  cores: number;
  /** conntrack.maxPerCore; default 32768. 0 leaves nf_conntrack_max alone. */
  maxPerCore?: number;
  /** conntrack.min; default 131072. */
  min?: number;
  /** conntrack.tcpEstablishedTimeout; default 86400 (24h). */
  tcpEstablishedTimeout?: number;
  /** conntrack.tcpCloseWaitTimeout; default 3600 (1h). */
  tcpCloseWaitTimeout?: number;
  /** conntrack.udpTimeout; unset (0) keeps the kernel value. */
  udpTimeout?: number;
  /** conntrack.udpStreamTimeout; unset (0) keeps the kernel value. */
  udpStreamTimeout?: number;
  /** conntrack.tcpBeLiberal. */
  tcpBeLiberal?: boolean;
  /** nf_conntrack_max before kube-proxy touches it (when maxPerCore is 0). */
  kernelMax?: number;
}

// why: pkg/proxy/conntrack/sysctls.go getConntrackMax caps the scaled value
// at 1048576 (recent kube-proxy; older releases had no cap).
const MAX_LIMIT = 1048576;

/**
 * kube-proxy's nf_conntrack_max: max(maxPerCore × cores, min), capped at
 * 1048576; 0 when maxPerCore is 0 (kube-proxy leaves the sysctl alone).
 */
// why: pkg/proxy/conntrack/sysctls.go getConntrackMax.
export function kubeProxyConntrackMax(maxPerCore: number, min: number, cores: number): number {
  if (maxPerCore <= 0) return 0;
  const scaled = maxPerCore * cores;
  if (scaled > MAX_LIMIT) return MAX_LIMIT;
  return Math.max(scaled, min);
}

/**
 * The conntrack configuration of a node running kube-proxy: its defaults
 * (pkg/proxy/apis/config/v1alpha1/defaults.go: maxPerCore 32768, min
 * 131072, tcpEstablishedTimeout 24h, tcpCloseWaitTimeout 1h) applied as
 * setSysctls does; UDP timeouts only when set.
 */
// why: pkg/proxy/conntrack/sysctls.go setSysctls; SetMax also raises the
// hashsize to max/4 when it is smaller.
export function kubeProxyConntrackConfig(opts: KubeProxyConntrackOptions): ConntrackConfig {
  const timeouts: ConntrackTimeouts = { ...LINUX_TIMEOUTS };
  const est = opts.tcpEstablishedTimeout ?? 86400;
  const cw = opts.tcpCloseWaitTimeout ?? 3600;
  if (est > 0) timeouts.tcpEstablished = est;
  if (cw > 0) timeouts.tcpCloseWait = cw;
  if ((opts.udpTimeout ?? 0) > 0) timeouts.udp = opts.udpTimeout as number;
  if ((opts.udpStreamTimeout ?? 0) > 0) timeouts.udpStream = opts.udpStreamTimeout as number;
  const computed = kubeProxyConntrackMax(opts.maxPerCore ?? 32768, opts.min ?? 131072, opts.cores);
  if (computed <= 0 && opts.kernelMax === undefined) {
    throw new RangeError("conntrack maxPerCore 0 leaves nf_conntrack_max to the kernel: pass kernelMax");
  }
  const max = computed > 0 ? computed : (opts.kernelMax as number);
  return {
    max,
    hashsize: Math.max(1, Math.floor(max / 4)),
    timeouts,
    tcpLoose: true,
    tcpBeLiberal: !!opts.tcpBeLiberal,
  };
}

/** A plain kernel's configuration with the given table size (hashsize max/4 unless given). */
export function linuxConntrackConfig(max: number, hashsize = Math.max(1, Math.floor(max / 4))): ConntrackConfig {
  return { max, hashsize, timeouts: { ...LINUX_TIMEOUTS }, tcpLoose: true, tcpBeLiberal: false };
}
