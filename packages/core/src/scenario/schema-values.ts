import * as z from "zod";
import { type Nanos, parseDuration } from "../engine/index.ts";
import { tryParseCidr, tryParseIPv4 } from "../net/index.ts";

/** A duration: Go-style text (`"250ms"`, `"30s"`, `"2m"`) or integer nanoseconds (`s(30)`). */
export const DurationSchema = z.union([z.string(), z.number()]).transform((value, ctx): Nanos => {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= 0) return value as Nanos;
    ctx.addIssue({ code: "custom", message: `expected integer nanoseconds or a duration such as "30s", got ${value}` });
    return z.NEVER;
  }
  try {
    return parseDuration(value);
  } catch {
    ctx.addIssue({ code: "custom", message: `expected a duration such as "250ms", "30s" or "2m", got "${value}"` });
    return z.NEVER;
  }
});

/** An IPv4 address. */
export const IpSchema = z.string().refine((v) => tryParseIPv4(v) !== undefined, {
  message: "expected an IPv4 address such as 192.168.0.10",
});

/** An IPv4 CIDR. */
export const CidrSchema = z.string().refine((v) => tryParseCidr(v) !== undefined, {
  message: "expected an IPv4 CIDR such as 10.244.1.0/24",
});

/** A TCP or UDP port. */
export const PortSchema = z.number().int().min(1).max(65535);
