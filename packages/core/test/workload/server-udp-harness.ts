/**
 * Runs a scenario that uses the proposed `workload.senders` and
 * `servers[].reply` fields, installing both by hand the way the scenario
 * layer will once its schema has them (see the stale-UDP scenario).
 */
import type { Pod } from "../../src/api/index.ts";
import { selectorMatches } from "../../src/control/index.ts";
import { type Nanos, parseDuration } from "../../src/engine/index.ts";
import { summarize } from "../../src/metrics/index.ts";
import { parseIPv4 } from "../../src/net/index.ts";
import {
  checkExpectations,
  podKey,
  prepareScenario,
  type ScenarioInput,
  startScenario,
} from "../../src/scenario/index.ts";
import { RequestServer, UdpSender } from "../../src/workload/index.ts";

interface SenderSpec {
  name: string;
  from: string;
  to: { service: string; port: number };
  bytes?: number;
  interval: string;
  start: string;
}
interface SinkSpec {
  selector: Record<string, string>;
  port: number;
  reply?: boolean;
}

const dur = (text: string): Nanos => parseDuration(text);

/** Runs `input` to its end with its senders and non-replying UDP servers installed. */
export function runWithSenders(input: ScenarioInput, options: { until?: Nanos } = {}) {
  const raw = input.workload as { senders?: SenderSpec[]; servers?: SinkSpec[] };
  const sinks = (raw.servers ?? []).filter((s) => s.reply === false);
  const servers = (raw.servers ?? []).filter((s) => s.reply !== false);
  const prepared = prepareScenario({ ...input, workload: { ...input.workload, servers } }, "t.ts");
  const { cluster, workload } = startScenario(prepared);
  const started = new Set<string>();
  const startSinks = (pod: Pod) => {
    const key = podKey(pod);
    const netns = cluster.network.pod(key);
    if (!netns || started.has(key) || pod.status.phase !== "Running") return;
    for (const sink of sinks) {
      if (!selectorMatches(sink.selector, pod.metadata.labels)) continue;
      started.add(key);
      new RequestServer({
        pod: key,
        netns,
        scheduler: cluster.scheduler,
        rng: cluster.rng,
        protocol: "UDP",
        port: sink.port,
        responseBytes: 0,
        serviceTime: 0 as Nanos,
        reply: false,
        onRequest: (p) => workload.served.set(p, (workload.served.get(p) ?? 0) + 1),
      });
    }
  };
  cluster.store.watch((e) => {
    if (e.kind === "Pod" && e.verb !== "delete") startSinks(e.object);
  });
  const senders: UdpSender[] = [];
  for (const spec of raw.senders ?? []) {
    cluster.podHooks.attached.push((pod) => {
      if (podKey(pod) !== `default/${spec.from}`) return;
      senders.push(
        new UdpSender({
          name: spec.name,
          netns: cluster.network.pod(podKey(pod))!,
          scheduler: cluster.scheduler,
          target: () => {
            const ip = cluster.store.get("Service", `default/${spec.to.service}`)?.spec.clusterIP;
            return ip ? { ip: parseIPv4(ip), port: spec.to.port } : undefined;
          },
          bytes: spec.bytes ?? 40,
          interval: dur(spec.interval),
          start: dur(spec.start),
        }),
      );
    });
  }
  const duration = options.until ?? prepared.scenario.duration;
  cluster.scheduler.runUntil(duration);
  let syncs = 0;
  for (const watch of cluster.watches.values()) syncs += watch.syncs;
  const pods = cluster.store.list("Pod").map(podKey);
  const metrics = summarize(cluster.tracer.stats, workload.records, workload.served, pods, syncs);
  const result = { metrics, trace: cluster.tracer.events, cluster, workload, senders };
  return { ...result, expectations: checkExpectations(prepared.scenario.expect, metrics, result) };
}
