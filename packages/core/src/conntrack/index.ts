export { BucketIndex } from "./buckets.ts";
export { type CleanupOptions, type CleanupServicePort, cleanStaleEntries, staleUdpEntries } from "./cleanup.ts";
export {
  type ConntrackConfig,
  type ConntrackTimeouts,
  type KubeProxyConntrackOptions,
  kubeProxyConntrackConfig,
  kubeProxyConntrackMax,
  LINUX_TIMEOUTS,
  linuxConntrackConfig,
} from "./config.ts";
export { type CtDir, CtEntry, type CtTupleHash, IPS } from "./entry.ts";
export { GcWorker } from "./gc.ts";
export { type SnatMode, type SnatResult, type SnatSpec, setDnat, setSnat } from "./nat.ts";
export {
  type ConntrackObserver,
  type CtDestroyReason,
  type CtObservation,
  type CtPacketResult,
  type CtState,
  type CtView,
  ctView,
} from "./result.ts";
export { type Clock, Conntrack, type ConntrackOptions } from "./table.ts";
export {
  TCP_IGNORE,
  TCP_INVALID,
  TCP_KILL,
  TCP_REOPEN,
  TCP_STATE,
  TCP_STATE_NAMES,
  type TcpStateName,
  tcpCanEarlyDrop,
  tcpCanStart,
  tcpFlagIndex,
  tcpFlagsValid,
  tcpStateTimeout,
  tcpTransition,
} from "./tcp.ts";
export { tcpPacket } from "./tcp-packet.ts";
export { type NatChange, type NatManip, translate, translateIcmpError } from "./translate.ts";
export {
  copyTuple,
  ICMP_NEW_TYPES,
  icmpTypeCode,
  invertTuple,
  PROTO_NUMBER,
  type Tuple,
  TupleMap,
  tupleEquals,
  tupleHash,
} from "./tuple.ts";
export {
  type ConntrackListOptions,
  conntrackSummary,
  formatConntrackEntry,
  formatConntrackList,
} from "./view.ts";
