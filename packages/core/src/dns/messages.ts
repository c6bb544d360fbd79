import { NameCompressor, nameWireBytes } from "./names.ts";

/** The query types modelled. The cluster is IPv4-only, so AAAA questions exist but never have answers. */
export type QType = "A" | "AAAA";

/** Response codes (RFC 1035 §4.1.1): success, name does not exist, server failure. */
export type Rcode = "NOERROR" | "NXDOMAIN" | "SERVFAIL";

/** An answer record. `ttl` is in whole seconds, as on the wire. */
export type DnsRecord =
  | { readonly type: "A"; readonly name: string; readonly ttl: number; readonly address: string }
  | { readonly type: "CNAME"; readonly name: string; readonly ttl: number; readonly target: string };

/** The SOA record a negative answer carries in its authority section (RFC 2308 §3). */
export interface SoaRecord {
  readonly zone: string;
  /** The record's own TTL, seconds. */
  readonly ttl: number;
  /** The SOA MINIMUM field, seconds. */
  readonly minimum: number;
  readonly mname: string;
  readonly rname: string;
}

/** A DNS query as a packet payload: one question, as stub resolvers send it. */
export interface DnsQuery {
  readonly kind: "dns-query";
  /** The 16-bit message id; the response must echo it. */
  readonly id: number;
  /** The absolute name asked for, without the trailing dot. */
  readonly qname: string;
  readonly qtype: QType;
}

/** A DNS response as a packet payload. */
export interface DnsResponse {
  readonly kind: "dns-response";
  readonly id: number;
  readonly qname: string;
  readonly qtype: QType;
  readonly rcode: Rcode;
  /** The answer section, in order (a CNAME chain first, then addresses). */
  readonly answers: readonly DnsRecord[];
  /** The authority section's SOA on a negative answer (NXDOMAIN, or NOERROR without answers). */
  readonly authority?: SoaRecord;
  /** TC: the answer did not fit a 512-byte UDP message and was cut. */
  readonly truncated: boolean;
  /** The Pod that answered (`namespace/name`): not on the wire, for attribution like an HTTP response's server header. */
  readonly server: string;
}

/** A DNS payload of either direction. */
export type DnsMessage = DnsQuery | DnsResponse;

/** The fixed DNS header (RFC 1035 §4.1.1). */
export const DNS_HEADER_BYTES = 12;
/** The largest DNS message over UDP without EDNS0 (RFC 1035 §4.2.1). */
export const UDP_DNS_MAX_BYTES = 512;

/** True for a DNS payload. */
export function isDnsMessage(payload: unknown): payload is DnsMessage {
  const kind = (payload as { kind?: unknown } | undefined)?.kind;
  return kind === "dns-query" || kind === "dns-response";
}

/** Bytes of a query on the wire: header, QNAME, QTYPE and QCLASS. */
export function queryBytes(query: Pick<DnsQuery, "qname">): number {
  return DNS_HEADER_BYTES + nameWireBytes(query.qname) + 4;
}

/**
 * Bytes of a response on the wire, with name compression as CoreDNS writes
 * it (`m.Compress = true`): header, the question, each answer (owner name,
 * type, class, TTL, RDLENGTH = 10 bytes, then RDATA) and the SOA.
 */
export function responseBytes(response: Pick<DnsResponse, "qname" | "answers" | "authority">): number {
  const names = new NameCompressor();
  let bytes = DNS_HEADER_BYTES + names.add(response.qname) + 4;
  for (const record of response.answers) {
    bytes += names.add(record.name) + 10;
    bytes += record.type === "A" ? 4 : names.add(record.target);
  }
  const soa = response.authority;
  if (soa) bytes += names.add(soa.zone) + 10 + names.add(soa.mname) + names.add(soa.rname) + 20;
  return bytes;
}

/**
 * How long a negative answer may be cached, in seconds: the lesser of the
 * SOA's TTL and its MINIMUM field. Undefined for a positive answer or one
 * without an SOA.
 */
// why: RFC 2308 §5 — "the TTL of this record is set from the minimum of the
// MINIMUM field of the SOA record and the TTL of the SOA itself".
export function negativeTtl(response: Pick<DnsResponse, "rcode" | "answers" | "authority">): number | undefined {
  if (response.answers.length > 0 && response.rcode === "NOERROR") return undefined;
  const soa = response.authority;
  return soa ? Math.min(soa.ttl, soa.minimum) : undefined;
}
