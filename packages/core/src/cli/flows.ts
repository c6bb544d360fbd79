/**
 * The flows `svcsim explain` answers: one from `--from`/`--to`, or many from
 * a JSON file shaped like kube-proxy's packetFlowTest tables.
 */
import { InputError } from "../engine/index.ts";
import { formatIPv4, tryParseIPv4 } from "../net/index.ts";
import type { Flow } from "./explain-flow.ts";

const PROTOCOLS = { tcp: "TCP", udp: "UDP", sctp: "SCTP" } as const;
/** Keys a flows file may hold: packetFlowTest's fields (output and masq are accepted and ignored). */
const FLOW_KEYS = new Set(["name", "sourceIP", "destIP", "destPort", "protocol", "output", "masq"]);

function protocolOf(text: string): Flow["proto"] | undefined {
  return PROTOCOLS[text.toLowerCase() as keyof typeof PROTOCOLS];
}

function portOf(text: string): number | undefined {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** The default name of a flow: `10.0.0.2 -> 172.30.0.41:80/tcp`. */
export function flowLabel(f: Omit<Flow, "name">): string {
  return `${formatIPv4(f.src)} -> ${formatIPv4(f.dst)}:${f.dstPort}/${f.proto.toLowerCase()}`;
}

/** `--from <ip> --to <ip>:<port>/<tcp|udp|sctp>` as one flow; throws InputError naming the flag. */
export function flowFromFlags(from: string, to: string): Flow {
  const problems: string[] = [];
  const src = tryParseIPv4(from);
  if (src === undefined) problems.push(`--from: expected an IPv4 address, got "${from}"`);
  const m = /^([^:/]+):([^/]+)\/(.+)$/.exec(to);
  const dst = m ? tryParseIPv4(m[1] as string) : undefined;
  const dstPort = m ? portOf(m[2] as string) : undefined;
  const proto = m ? protocolOf(m[3] as string) : undefined;
  if (dst === undefined || dstPort === undefined || proto === undefined)
    problems.push(`--to: expected <ip>:<port>/<tcp|udp|sctp>, got "${to}"`);
  if (problems.length > 0 || src === undefined || dst === undefined || dstPort === undefined || proto === undefined)
    throw new InputError(problems);
  const flow = { src, dst, dstPort, proto };
  return { name: flowLabel(flow), ...flow };
}

function flowAt(file: string, i: number, v: unknown, problems: string[]): Flow | undefined {
  const at = (path: string, what: string, got: unknown) =>
    problems.push(`${file}: [${i}]${path}: expected ${what}, got ${JSON.stringify(got) ?? "nothing"}`);
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    at("", "an object { name, sourceIP, destIP, destPort, protocol }", v);
    return undefined;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o).sort())
    if (!FLOW_KEYS.has(k)) at(`.${k}`, `no such key (known: ${[...FLOW_KEYS].join(", ")})`, o[k]);
  const ip = (k: string) => (typeof o[k] === "string" ? tryParseIPv4(o[k] as string) : undefined);
  const src = ip("sourceIP");
  if (src === undefined) at(".sourceIP", "an IPv4 address", o.sourceIP);
  const dst = ip("destIP");
  if (dst === undefined) at(".destIP", "an IPv4 address", o.destIP);
  const p = o.destPort;
  const dstPort = typeof p === "number" && Number.isInteger(p) && p >= 1 && p <= 65535 ? p : undefined;
  if (dstPort === undefined) at(".destPort", "an integer port 1-65535", p);
  // why: packetFlowTest leaves protocol empty for TCP (runPacketFlowTests defaults it to "tcp").
  const proto = o.protocol === undefined ? "TCP" : typeof o.protocol === "string" ? protocolOf(o.protocol) : undefined;
  if (proto === undefined) at(".protocol", `"TCP", "UDP" or "SCTP"`, o.protocol);
  if (o.name !== undefined && typeof o.name !== "string") at(".name", "a string", o.name);
  if (src === undefined || dst === undefined || dstPort === undefined || proto === undefined) return undefined;
  const flow = { src, dst, dstPort, proto };
  return { name: typeof o.name === "string" ? o.name : flowLabel(flow), ...flow };
}

/**
 * Parses a flows file: a JSON array of `{ name, sourceIP, destIP, destPort,
 * protocol }` (protocol defaults to TCP, any case). Throws one InputError
 * listing every problem as `flows.json: [2].destPort: expected …, got …`.
 */
export function parseFlowsFile(file: string, text: string): Flow[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError([`${file}: not valid JSON: ${(error as Error).message}`]);
  }
  if (!Array.isArray(data)) throw new InputError([`${file}: expected a JSON array of flows, got ${typeof data}`]);
  const problems: string[] = [];
  const flows = data.map((v, i) => flowAt(file, i, v, problems));
  if (problems.length > 0) throw new InputError(problems);
  return flows as Flow[];
}
