/**
 * Manifests → one node's kube-proxy rules: load and allocate the objects,
 * compute EndpointSlices the manifests leave out, and program the node with
 * kube-proxy's iptables mode.
 */
import { readFileSync } from "node:fs";
import {
  type EndpointSlice,
  type KubeObject,
  loadManifests,
  type ManifestInput,
  type Node,
  type Pod,
  SERVICE_NAME_LABEL,
  type Service,
} from "../api/index.ts";
import { compareStrings, reconcileSlices, selectorMatches } from "../control/index.ts";
import { InputError, ns } from "../engine/index.ts";
import { IptablesProgrammer } from "../proxy/index.ts";
import { type NodeFlags, type ResolvedNode, resolveNode } from "./node-flags.ts";

/** A node programmed from manifests. */
export interface ProgrammedNode {
  readonly node: ResolvedNode;
  readonly programmer: IptablesProgrammer;
  /** Things the user may want to know (skipped kinds, Pods without an IP…), one line each. */
  readonly warnings: readonly string[];
}

/** Reads files for a flag; an unreadable file is an InputError naming it. */
export function readFiles(flag: string, files: readonly string[]): ManifestInput[] {
  return files.map((file) => {
    try {
      return { file, text: readFileSync(file, "utf8") };
    } catch (error) {
      throw new InputError([`${flag} ${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
    }
  });
}

const key = (o: { metadata: { namespace: string; name: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;

function ofKind<K extends KubeObject["kind"]>(objects: readonly KubeObject[], kind: K) {
  return objects.filter((o): o is Extract<KubeObject, { kind: K }> => o.kind === kind);
}

/**
 * The EndpointSlices the controller would write for selector Services that
 * have none in the manifests, from the manifests' Pods. A Pod's Node need not
 * be listed: a missing one is taken as an unlabelled Node of that name.
 */
// why: endpointslice_controller.go syncService — Services without a selector (and
// ExternalName ones) get no controller slices; the reconciler builds the rest.
export function controllerSlices(
  services: readonly Service[],
  given: readonly EndpointSlice[],
  pods: readonly Pod[],
  nodes: readonly Node[],
): EndpointSlice[] {
  const covered = new Set(given.map((s) => `${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}`));
  const nodeByName = new Map(nodes.map((n) => [n.metadata.name, n]));
  const node = (name: string): Node =>
    nodeByName.get(name) ?? {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, namespace: "", labels: {}, annotations: {} },
      spec: { unschedulable: false },
      status: { addresses: [] },
    };
  const out: EndpointSlice[] = [];
  for (const service of services) {
    const selector = service.spec.selector;
    if (service.spec.type === "ExternalName" || selector === undefined || covered.has(key(service))) continue;
    const selected = pods
      .filter(
        (p) => p.metadata.namespace === service.metadata.namespace && selectorMatches(selector, p.metadata.labels),
      )
      .sort((a, b) => compareStrings(key(a), key(b)));
    let n = 0;
    const changes = reconcileSlices({
      service,
      pods: selected,
      node,
      existing: [],
      maxEndpointsPerSlice: 100,
      newName: () => `${service.metadata.name}-${++n}`,
    });
    out.push(...changes.create);
  }
  return out;
}

/** Loads manifests and programs the node the flags describe; throws InputError on bad input. */
export function programFromManifests(files: readonly string[], flags: NodeFlags): ProgrammedNode {
  const loaded = loadManifests(readFiles("--manifests", files), { network: flags.network });
  const warnings = [...loaded.warnings];
  const services = ofKind(loaded.objects, "Service");
  const pods = ofKind(loaded.objects, "Pod");
  const nodes = ofKind(loaded.objects, "Node");
  const given = ofKind(loaded.objects, "EndpointSlice");
  for (const p of pods) if (!p.status.podIP) warnings.push(`Pod ${key(p)}: no status.podIP, so it is no endpoint`);
  for (const d of ofKind(loaded.objects, "Deployment"))
    warnings.push(`Deployment ${key(d)}: its Pods are not created here; list Pods or EndpointSlices`);
  const slices = [...given, ...controllerSlices(services, given, pods, nodes)];
  const node = resolveNode(flags, nodes);
  const programmer = new IptablesProgrammer(node.config);
  programmer.sync(
    {
      services: new Map(services.map((s) => [key(s), s])),
      endpointSlices: new Map(slices.map((s) => [key(s), s])),
    },
    true,
    ns(0),
  );
  return { node, programmer, warnings };
}
