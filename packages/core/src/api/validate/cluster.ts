/**
 * EndpointSlice and Node validation (kubernetes pkg/apis/discovery/
 * validation/validation.go ValidateEndpointSlice; pkg/apis/core/validation/
 * validation.go ValidateNode).
 */
import {
  checkCidr,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkIPv4,
  checkIPv6,
  checkLabelValue,
  checkNonSpecialIPv4,
  checkPortNumber,
  checkQualifiedName,
} from "../names.ts";
import type { FieldPath, Problem } from "../problems.ts";
import { showValue } from "../problems.ts";
import type { Endpoint, EndpointSlice, Node } from "../types.ts";
import { findDuplicates, flag, validateMeta } from "./meta.ts";

/** Limits from discovery validation: endpoints per slice, addresses per endpoint, zone hints. */
export const ENDPOINTSLICE_LIMITS = { endpoints: 1000, addresses: 100, ports: 20000, zoneHints: 8 } as const;

function checkAddress(type: EndpointSlice["addressType"], address: string): string | undefined {
  if (type === "IPv4") return checkNonSpecialIPv4(address);
  if (type === "IPv6") return checkIPv6(address);
  return checkDns1123Subdomain(address);
}

function validateEndpoint(e: Endpoint, type: EndpointSlice["addressType"], path: FieldPath): Problem[] {
  const out: Problem[] = [];
  if (e.addresses.length === 0) out.push({ path: [...path, "addresses"], message: "must contain at least 1 address" });
  if (e.addresses.length > ENDPOINTSLICE_LIMITS.addresses) {
    out.push({
      path: [...path, "addresses"],
      message: `must have at most ${ENDPOINTSLICE_LIMITS.addresses} items, got ${e.addresses.length}`,
    });
  }
  e.addresses.forEach((a, i) => {
    flag(out, [...path, "addresses", i], checkAddress(type, a));
  });
  if (e.nodeName !== undefined) flag(out, [...path, "nodeName"], checkDns1123Subdomain(e.nodeName));
  if (e.hostname !== undefined) flag(out, [...path, "hostname"], checkDns1123Label(e.hostname));
  const zones = e.hints?.forZones ?? [];
  if (zones.length > ENDPOINTSLICE_LIMITS.zoneHints) {
    out.push({
      path: [...path, "hints", "forZones"],
      message: `must have at most ${ENDPOINTSLICE_LIMITS.zoneHints} items, got ${zones.length}`,
    });
  }
  zones.forEach((z, i) => {
    flag(out, [...path, "hints", "forZones", i, "name"], checkLabelValue(z.name));
  });
  out.push(
    ...findDuplicates(
      zones,
      (z) => z.name,
      (i) => [...path, "hints", "forZones", i, "name"],
      (k) => `zone "${k}"`,
    ),
  );
  return out;
}

/**
 * Every problem with an EndpointSlice. One check is stricter than the API
 * server: a port number, when given, must be 1–65535 (the API only types it
 * int32), because no dataplane can forward to anything else.
 */
export function validateEndpointSlice(slice: EndpointSlice): Problem[] {
  const out = validateMeta(slice.metadata, checkDns1123Subdomain);
  if (slice.endpoints.length > ENDPOINTSLICE_LIMITS.endpoints) {
    out.push({
      path: ["endpoints"],
      message: `must have at most ${ENDPOINTSLICE_LIMITS.endpoints} items, got ${slice.endpoints.length}`,
    });
  } else {
    slice.endpoints.forEach((e, i) => {
      out.push(...validateEndpoint(e, slice.addressType, ["endpoints", i]));
    });
  }
  slice.ports.forEach((p, i) => {
    if (p.name) flag(out, ["ports", i, "name"], checkDns1123Label(p.name));
    if (p.port !== undefined) flag(out, ["ports", i, "port"], checkPortNumber(p.port));
    if (p.appProtocol !== undefined) flag(out, ["ports", i, "appProtocol"], checkQualifiedName(p.appProtocol));
  });
  out.push(
    ...findDuplicates(
      slice.ports,
      (p) => p.name ?? "",
      (i) => ["ports", i, "name"],
      (k) => `port name "${k}"`,
    ),
  );
  return out;
}

/** Every problem with a Node: name, podCIDR(s) and addresses. */
export function validateNode(node: Node): Problem[] {
  const out = validateMeta(node.metadata, checkDns1123Subdomain);
  const { podCIDR, podCIDRs = [] } = node.spec;
  podCIDRs.forEach((c, i) => {
    flag(out, ["spec", "podCIDRs", i], checkCidr(c));
  });
  // why: ValidateNode allows one CIDR per IP family; svcsim has only IPv4.
  if (podCIDRs.length > 1)
    out.push({
      path: ["spec", "podCIDRs"],
      message: `svcsim models IPv4 only: at most one CIDR, got ${podCIDRs.length}`,
    });
  if (podCIDR !== undefined && podCIDRs[0] !== undefined && podCIDR !== podCIDRs[0]) {
    out.push({
      path: ["spec", "podCIDRs", 0],
      message: `must match spec.podCIDR ${showValue(podCIDR)}, got ${showValue(podCIDRs[0])}`,
    });
  }
  node.status.addresses.forEach((a, i) => {
    if (a.type === "InternalIP" || a.type === "ExternalIP")
      flag(out, ["status", "addresses", i, "address"], checkIPv4(a.address));
  });
  return out;
}
