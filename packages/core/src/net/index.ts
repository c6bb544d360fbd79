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
export { formatIPv4, type IPv4, parseIPv4, tryParseIPv4 } from "./ip.ts";
export {
  DEFAULT_TTL,
  type FiveTuple,
  formatEndpoint,
  formatTcpFlags,
  formatTuple,
  type IcmpInfo,
  type IpProto,
  type Packet,
  PacketIds,
  TCP,
} from "./packet.ts";
export { HostLocalIpam } from "./ipam.ts";
