import * as crypto from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (Go's `base32.StdEncoding`) of the first `count` bytes, without padding: enough for a prefix. */
function base32(bytes: Uint8Array, count: number): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < count; i++) {
    const byte = bytes[i] as number;
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

/** One-shot hashing (Node ≥ 20.12), much cheaper per call than a Hash object; the Hash object otherwise. */
const sha256: (text: string) => Uint8Array =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "buffer") as unknown as Uint8Array
    : (text) => crypto.createHash("sha256").update(text, "utf8").digest();

/** Names already hashed: a sync names every chain again, and most names repeat from the last sync. */
const hashed = new Map<string, string>();
/** Past this many names the memo starts afresh, so that churn cannot grow it without bound. */
const MEMO_LIMIT = 1 << 20;

function hash16(text: string): string {
  const known = hashed.get(text);
  if (known !== undefined) return known;
  // why: iptables chain names are limited to 28 characters; kube-proxy keeps the first 16
  // characters of base32(sha256(...)) (proxier.go portProtoHash), i.e. of its first 10 bytes
  // (16 × 5 bits); kube-proxy itself computes each name once per service port and endpoint.
  const h = base32(sha256(text), 10);
  if (hashed.size >= MEMO_LIMIT) hashed.clear();
  hashed.set(text, h);
  return h;
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
