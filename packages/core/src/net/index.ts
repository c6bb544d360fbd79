export {
  type Cidr,
  cidrAt,
  cidrContains,
  cidrSize,
  cidrsOverlap,
  formatCidr,
  parseCidr,
  tryParseCidr,
} from "./cidr.ts";
export {
  type CniNode,
  DEFAULT_VETH_LATENCY,
  RoutedCni,
  type RoutedCniOptions,
  vethName,
} from "./cni.ts";
export {
  DEFAULT_FABRIC_LATENCY,
  Fabric,
  type FabricDropHandler,
  type FabricDropReason,
  type FabricOptions,
  FabricPort,
} from "./fabric.ts";
export { formatIPv4, type IPv4, parseIPv4, tryParseIPv4 } from "./ip.ts";
export { HostLocalIpam } from "./ipam.ts";
export {
  Link,
  type LinkDropHandler,
  type LinkDropReason,
  type LinkOptions,
  type LinkReceiver,
  type LinkSide,
} from "./link.ts";
export { headerBytes, makePacket, type PacketInit } from "./make-packet.ts";
export { NetNamespace, type NetnsObserver, type NetnsOptions, type PacketHandler } from "./netns.ts";
export {
  attachProxyV2,
  DEFAULT_TTL,
  type FiveTuple,
  formatEndpoint,
  formatTcpFlags,
  formatTuple,
  type IcmpInfo,
  type IpProto,
  type Packet,
  PacketIds,
  PROXY_V2_IPV4_BYTES,
  type ProxyV2Header,
  TCP,
  type TcpHeader,
} from "./packet.ts";
export { EPHEMERAL_PORT_RANGE, EphemeralPorts } from "./ports.ts";
export { ICMP, icmpErrorFor, isIcmpError, quoteTuple, tcpResetFor } from "./replies.ts";
export { formatRoute, type Route, type RouteKind, RoutingTable } from "./routing.ts";
