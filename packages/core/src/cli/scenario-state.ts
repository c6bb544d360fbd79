import { InputError, type Nanos } from "../engine/index.ts";
import { IptablesProxy } from "../proxy/index.ts";
import { prepareScenario, readScenarioFile, scenarioDir, startScenario } from "../scenario/index.ts";

/** A node of a scenario, run up to a simulated time, as the inspect views need it. */
export interface InspectedNode {
  /** The node's iptables tables (`iptables-save`), when its proxy is the iptables mode. */
  readonly iptables: IptablesProxy | undefined;
  readonly now: Nanos;
}

/**
 * Runs scenario `file` up to simulated time `at` and returns node `node`'s
 * state then. An unknown node, or a time past the scenario's duration, is an
 * InputError naming the flag.
 */
export async function inspectScenarioNode(file: string, node: string, at: Nanos): Promise<InspectedNode> {
  const prepared = prepareScenario(await readScenarioFile(file), file, scenarioDir(file));
  const names = prepared.scenario.cluster.nodes.map((n) => n.name);
  if (!names.includes(node))
    throw new InputError([`--node: no node "${node}" in ${file} (nodes: ${names.join(", ")})`]);
  const { cluster } = startScenario(prepared, { traceLevel: "off" });
  cluster.scheduler.runUntil(at);
  const proxy = cluster.network.node(node).proxy;
  return { iptables: proxy instanceof IptablesProxy ? proxy : undefined, now: cluster.scheduler.now };
}
