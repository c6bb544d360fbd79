/**
 * `svcsim explain`: where can this packet go? Follows every `-m statistic`
 * branch through a node's tables (from manifests or a real dump) and answers
 * in kube-proxy's packet-flow tracer vocabulary.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { InputError } from "../engine/index.ts";
import { parseIPv4 } from "../net/index.ts";
import { type CompiledRuleset, compileRuleset, parseIptablesSave } from "../netfilter/index.ts";
import { explainFlow, type Flow } from "./explain-flow.ts";
import { answerOf } from "./explain-result.ts";
import { formatExplanation } from "./explain-text.ts";
import { flowFromFlags, parseFlowsFile } from "./flows.ts";
import { programFromManifests } from "./manifest-rules.ts";
import {
  NODE_BOOL_FLAGS,
  NODE_FLAG_OPTIONS,
  NODE_FLAGS_HELP,
  type NodeFlags,
  parseNodeFlags,
  takeBoolFlags,
} from "./node-flags.ts";

const USAGE = `Usage:
  svcsim explain (--manifests <yaml…> | --iptables-save <file>) [node settings]
                 (--from <ip> --to <ip>:<port>/<tcp|udp|sctp> | --flows <flows.json>) [--json]

Where can this packet go? Follows every -m statistic branch, like kube-proxy's
packet-flow test tracer, and reports every possible destination.

Rules:
  --manifests <yaml…>       Services, EndpointSlices, Pods, Nodes; programmed as kube-proxy would
  --iptables-save <file>    a real node's iptables-save dump (pass its --node-ip addresses)
Flows:
  --from <ip> --to <ip>:<port>/<proto>
  --flows <file.json>       [{ "name", "sourceIP", "destIP", "destPort", "protocol" }, …]
Output:
  --json                    JSON Lines: one object per flow, in input order:
                            { "name", "output", "masq", "rulesEvaluated", "path" }

${NODE_FLAGS_HELP}`;

/** The rules and node addresses a run explains against. */
interface Rules {
  compiled: CompiledRuleset;
  localAddresses: Set<number>;
}

/** Flags that shape how kube-proxy programs a node: moot when the rules come from a dump. */
const PROGRAMMING_FLAGS = [
  "cluster-cidr",
  "hostname-override",
  "iptables-localhost-nodeports",
  "masquerade-all",
  "nodeport-addresses",
  "service-cluster-ip-range",
  "service-node-port-range",
];

function rulesFrom(manifests: string[], dump: string | undefined, flags: NodeFlags, warn: (s: string) => void): Rules {
  if (manifests.length > 0 === (dump !== undefined))
    throw new InputError(["svcsim explain: give exactly one of --manifests <yaml…> or --iptables-save <file>"]);
  if (dump !== undefined) {
    let text: string;
    try {
      text = readFileSync(dump, "utf8");
    } catch (error) {
      throw new InputError([`--iptables-save ${dump}: cannot read: ${(error as NodeJS.ErrnoException).code ?? error}`]);
    }
    const moot = flags.given.filter((f) => PROGRAMMING_FLAGS.includes(f));
    if (moot.length > 0)
      warn(`${moot.map((f) => `--${f}`).join(", ")}: ignored with --iptables-save (the dump holds the rules)`);
    if (flags.nodeIPs.length === 0) warn("no --node-ip: only 127.0.0.0/8 counts as this node's address");
    return {
      compiled: compileRuleset(parseIptablesSave(text, { file: dump })),
      localAddresses: new Set(flags.nodeIPs.map(parseIPv4)),
    };
  }
  const programmed = programFromManifests(manifests, flags);
  for (const w of programmed.warnings) warn(w);
  return {
    compiled: compileRuleset(parseIptablesSave(programmed.programmer.iptablesSave(), { file: "<programmed rules>" })),
    localAddresses: new Set(programmed.node.ips.map(parseIPv4)),
  };
}

function flowsFrom(v: { from?: string; to?: string; flows?: string }): Flow[] {
  const single = v.from !== undefined || v.to !== undefined;
  if (single === (v.flows !== undefined))
    throw new InputError(["svcsim explain: give either --from <ip> --to <ip>:<port>/<proto>, or --flows <file.json>"]);
  if (v.flows !== undefined) {
    let text: string;
    try {
      text = readFileSync(v.flows, "utf8");
    } catch (error) {
      throw new InputError([`--flows ${v.flows}: cannot read: ${(error as NodeJS.ErrnoException).code ?? error}`]);
    }
    return parseFlowsFile(v.flows, text);
  }
  if (v.from === undefined) throw new InputError(["--from: missing (expected the packet's source IPv4 address)"]);
  if (v.to === undefined) throw new InputError(["--to: missing (expected <ip>:<port>/<tcp|udp|sctp>)"]);
  return [flowFromFlags(v.from, v.to)];
}

function parse(args: string[]) {
  const { rest, bools } = takeBoolFlags(args, NODE_BOOL_FLAGS);
  try {
    return {
      bools,
      ...parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          ...NODE_FLAG_OPTIONS,
          manifests: { type: "string", multiple: true },
          "iptables-save": { type: "string" },
          from: { type: "string" },
          to: { type: "string" },
          flows: { type: "string" },
          json: { type: "boolean" },
          help: { type: "boolean", short: "h" },
        },
      }),
    };
  } catch (error) {
    throw new InputError([`svcsim explain: ${(error as Error).message}`]);
  }
}

/**
 * `svcsim explain`: prints, for each flow in input order, every place its
 * first packet can go — a readable walk, or with `--json` one JSON object per
 * line `{ name, output, masq, rulesEvaluated, path }`. Exit 0, or 2 on bad input.
 */
export async function explainCommand(args: string[]): Promise<number> {
  const { values, positionals, bools } = parse(args);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const manifests = [...(values.manifests ?? [])];
  if (positionals.length > 0) {
    if (manifests.length === 0) throw new InputError([`svcsim explain: unexpected argument "${positionals[0]}"`]);
    manifests.push(...positionals);
  }
  const flags = parseNodeFlags(values, bools);
  const flows = flowsFrom(values);
  const rules = rulesFrom(manifests, values["iptables-save"], flags, (s) => console.error(`warning: ${s}`));
  const node = { localAddresses: rules.localAddresses };
  flows.forEach((flow, i) => {
    const e = explainFlow(rules.compiled, flow, node);
    const answer = answerOf(e);
    if (values.json) console.log(JSON.stringify(answer));
    else console.log(`${i > 0 ? "\n" : ""}${formatExplanation(e, answer)}`);
  });
  return 0;
}
