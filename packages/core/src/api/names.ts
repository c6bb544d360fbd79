/**
 * The API server's name and label rules (k8s.io/apimachinery
 * pkg/util/validation/validation.go: IsDNS1123Label, IsDNS1123Subdomain,
 * IsDNS1035Label, IsQualifiedName, IsValidLabelValue, IsValidPortName).
 * Each check returns undefined when the value is fine, else one message that
 * says what was expected and what was found.
 */
import { tryParseCidr, tryParseIPv4 } from "../net/index.ts";
import { showValue } from "./problems.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A lowercase RFC 1123 label, at most 63 characters (namespaces, port names, container names). */
export function checkDns1123Label(value: string): string | undefined {
  if (value.length <= 63 && DNS1123_LABEL.test(value)) return undefined;
  return `must be a lowercase RFC 1123 label (a-z, 0-9 and '-', starting and ending with a letter or digit, at most 63 characters), got ${showValue(value)}`;
}

/** A lowercase RFC 1123 subdomain, at most 253 characters (Pod, Node, EndpointSlice names). */
export function checkDns1123Subdomain(value: string): string | undefined {
  if (value.length <= 253 && DNS1123_SUBDOMAIN.test(value)) return undefined;
  return `must be a lowercase RFC 1123 subdomain (dot-separated labels of a-z, 0-9 and '-', at most 253 characters), got ${showValue(value)}`;
}

/**
 * An RFC 1035 label, at most 63 characters: Service names must start with a
 * letter because they become DNS names and environment variables
 * (validation.go: `ValidateServiceName = NameIsDNS1035Label`).
 */
export function checkDns1035Label(value: string): string | undefined {
  if (value.length <= 63 && DNS1035_LABEL.test(value)) return undefined;
  return `must be an RFC 1035 label (a-z, 0-9 and '-', starting with a letter, ending with a letter or digit, at most 63 characters), got ${showValue(value)}`;
}

/** A qualified name: `[dns-subdomain/]name`, the name at most 63 characters (label keys, appProtocol). */
export function checkQualifiedName(value: string): string | undefined {
  const parts = value.split("/");
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  const prefix = parts.length === 2 ? parts[0]! : undefined;
  const nameOk = parts.length <= 2 && name.length <= 63 && QUALIFIED_NAME_PART.test(name);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix));
  if (nameOk && prefixOk) return undefined;
  return `must be a qualified name ([prefix/]name: the name alphanumeric, '-', '_' or '.', starting and ending alphanumeric, at most 63 characters; the prefix a DNS subdomain), got ${showValue(value)}`;
}

/** A label value: empty, or alphanumeric with '-', '_', '.', at most 63 characters. */
export function checkLabelValue(value: string): string | undefined {
  if (value.length <= 63 && LABEL_VALUE.test(value)) return undefined;
  return `must be a valid label value (empty, or alphanumeric, '-', '_' or '.', starting and ending alphanumeric, at most 63 characters), got ${showValue(value)}`;
}

/**
 * An IANA service name (RFC 6335) as Kubernetes restricts it: 1–15 of
 * [-a-z0-9], at least one letter, no leading/trailing or doubled hyphen
 * (IsValidPortName). Used by `targetPort` names and container port names.
 */
export function checkPortName(value: string): string | undefined {
  const ok =
    value.length >= 1 &&
    value.length <= 15 &&
    /^[-a-z0-9]+$/.test(value) &&
    /[a-z]/.test(value) &&
    !value.includes("--") &&
    !value.startsWith("-") &&
    !value.endsWith("-");
  if (ok) return undefined;
  return `must be an IANA service name (1-15 characters of a-z, 0-9 and '-', at least one letter, no leading, trailing or doubled '-'), got ${showValue(value)}`;
}

/** A port number 1–65535 (IsValidPortNum). */
export function checkPortNumber(value: number): string | undefined {
  return value >= 1 && value <= 65535 ? undefined : `must be between 1 and 65535, got ${value}`;
}

/** An IPv4 address in dotted-quad form; svcsim's dataplanes are IPv4 only. */
export function checkIPv4(value: string): string | undefined {
  return tryParseIPv4(value) === undefined
    ? `must be an IPv4 address such as 10.0.0.1, got ${showValue(value)}`
    : undefined;
}

/** An IPv4 CIDR such as 10.0.0.0/8. */
export function checkCidr(value: string): string | undefined {
  return value.includes("/") && tryParseCidr(value) !== undefined
    ? undefined
    : `must be an IPv4 CIDR such as 10.0.0.0/8, got ${showValue(value)}`;
}

/**
 * Rejects addresses that can never be a Service's external IP or an endpoint
 * (validation.go ValidateNonSpecialIP: unspecified, loopback, link-local,
 * link-local multicast).
 */
export function checkNonSpecialIPv4(value: string): string | undefined {
  const ip = tryParseIPv4(value);
  if (ip === undefined) return checkIPv4(value);
  if (ip === 0) return `may not be unspecified (0.0.0.0), got ${showValue(value)}`;
  if (ip >>> 24 === 127) return `may not be in the loopback range (127.0.0.0/8), got ${showValue(value)}`;
  if (ip >>> 16 === 0xa9fe) return `may not be in the link-local range (169.254.0.0/16), got ${showValue(value)}`;
  if (ip >>> 8 === 0xe00000)
    return `may not be in the link-local multicast range (224.0.0.0/24), got ${showValue(value)}`;
  return undefined;
}

/**
 * A loose IPv6 text check (hex groups, at most one `::`), enough to tell an
 * IPv6 EndpointSlice address from garbage; svcsim does not route IPv6.
 */
export function checkIPv6(value: string): string | undefined {
  const ok = /^[0-9A-Fa-f:.]+$/.test(value) && value.includes(":") && value.split("::").length <= 2;
  return ok ? undefined : `must be an IPv6 address, got ${showValue(value)}`;
}
