import { createHash } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (Go's `base32.StdEncoding`), without padding: enough for a prefix. */
function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

function hash16(text: string): string {
  // why: iptables chain names are limited to 28 characters; kube-proxy keeps the first 16
  // characters of base32(sha256(...)) (proxier.go portProtoHash).
  return base32(createHash("sha256").update(text, "utf8").digest()).slice(0, 16);
}

/** kube-proxy `portProtoHash`: 16 characters of base32(sha256(servicePortName + protocol)). */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return hash16(servicePortName + protocol);
}

/** The prefixes of the per-service chains kube-proxy creates in the nat table. */
export const SERVICE_CHAIN_PREFIXES = ["KUBE-SVC-", "KUBE-SVL-", "KUBE-SEP-", "KUBE-FW-", "KUBE-EXT-"] as const;

/** True for a chain kube-proxy owns per service (and may delete when stale): proxier.go isServiceChainName. */
export function isServiceChainName(chain: string): boolean {
  return SERVICE_CHAIN_PREFIXES.some((p) => chain.startsWith(p));
}

/** The chains of one service port; `protocol` is lower case, as kube-proxy hashes it. */
export interface ServiceChainNames {
  /** `KUBE-SVC-…`: dispatch to endpoints under the Cluster policy. */
  readonly cluster: string;
  /** `KUBE-SVL-…`: dispatch to local endpoints under the Local policy. */
  readonly local: string;
  /** `KUBE-EXT-…`: external traffic (NodePort, external IPs, LB IPs). */
  readonly external: string;
  /** `KUBE-FW-…`: loadBalancerSourceRanges filtering. */
  readonly firewall: string;
}

/** The four per-service chain names (proxier.go servicePortPolicyClusterChain and friends). */
export function serviceChainNames(servicePortName: string, protocol: string): ServiceChainNames {
  const h = portProtoHash(servicePortName, protocol);
  return { cluster: `KUBE-SVC-${h}`, local: `KUBE-SVL-${h}`, external: `KUBE-EXT-${h}`, firewall: `KUBE-FW-${h}` };
}

/** `KUBE-SEP-…` for one endpoint (`ip:port`) of a service port (proxier.go servicePortEndpointChainName). */
export function endpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${hash16(servicePortName + protocol + endpoint)}`;
}
