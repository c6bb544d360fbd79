/**
 * Loads Kubernetes manifests: multi-document YAML (and `kind: List`), then
 * parse → default → validate each object, reject duplicates, allocate
 * ClusterIPs and NodePorts — and report EVERY problem at once, one line each.
 *
 * Unknown kinds (ConfigMap, Ingress, ServiceAccount…) are skipped with a
 * warning, not an error: real manifest sets (`helm template`, `kubectl get
 * -o yaml`) are full of objects that do not touch the Service packet path,
 * and making users strip them first is friction with no benefit. A kind that
 * looks like a typo of a supported one (`Servce`, `service`) is an error, so
 * a misspelt Service is never silently dropped; so is a supported kind with
 * the wrong apiVersion.
 */
import { parseAllDocuments } from "yaml";
import { InputError } from "../engine/index.ts";
import { tryParseCidr } from "../net/index.ts";
import { allocateServices, type ClusterNetworkConfig, DEFAULT_CLUSTER_NETWORK } from "./allocate.ts";
import { inspectObject, unsupportedKindMessage } from "./parse.ts";
import { formatObjectRef, formatProblem, formatSource, type Source } from "./problems.ts";
import type { KubeObject, Service } from "./types.ts";

/** One manifest file: its name as the user gave it, and its text. */
export interface ManifestInput {
  file: string;
  text: string;
}

/** One already-decoded object and where it came from. */
export interface ObjectInput {
  value: unknown;
  source: Source;
}

/** Loader options. */
export interface LoadOptions {
  /** Service CIDR and NodePort range; defaults to {@link DEFAULT_CLUSTER_NETWORK}. */
  network?: Partial<ClusterNetworkConfig>;
  /** "warn" (default) skips unknown kinds with a warning; "error" rejects them. */
  unknownKinds?: "warn" | "error";
}

/** Loaded objects, in input order, each with its source; plus warnings (skipped kinds). */
export interface LoadResult {
  objects: KubeObject[];
  sources: Source[];
  warnings: string[];
}

/** Checks and completes a network config; throws InputError naming the bad field. */
export function resolveNetworkConfig(partial: Partial<ClusterNetworkConfig> = {}): ClusterNetworkConfig {
  const config = { ...DEFAULT_CLUSTER_NETWORK, ...partial };
  const problems: string[] = [];
  const cidr = tryParseCidr(config.serviceCIDR);
  if (!config.serviceCIDR.includes("/") || cidr === undefined || cidr.bits > 30) {
    problems.push(
      `serviceCIDR: must be an IPv4 CIDR of at most /30 such as 10.96.0.0/12, got ${JSON.stringify(config.serviceCIDR)}`,
    );
  }
  const [lo, hi] = config.nodePortRange;
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi <= 65535 && lo <= hi)) {
    problems.push(
      `nodePortRange: must be two port numbers [low, high] with 1 <= low <= high <= 65535, got [${lo}, ${hi}]`,
    );
  }
  if (problems.length > 0) throw new InputError(problems);
  return config;
}

/** Expands `kind: List` documents into their items (the way kubectl reads them). */
function expandLists(inputs: readonly ObjectInput[]): ObjectInput[] {
  return inputs.flatMap((input) => {
    const v = input.value as { kind?: unknown; items?: unknown } | null;
    if (v === null || typeof v !== "object" || v.kind !== "List" || !Array.isArray(v.items)) return [input];
    return v.items.map((value, item) => ({ value, source: { ...input.source, item } }));
  });
}

/**
 * Parses, validates and allocates a set of decoded objects. Throws
 * `InputError` listing every problem (one line each) when any is found.
 */
export function loadObjects(inputs: readonly ObjectInput[], options: LoadOptions = {}): LoadResult {
  const network = resolveNetworkConfig(options.network);
  const problems: string[] = [];
  const warnings: string[] = [];
  const loaded: { object: KubeObject; source: Source; ref: string }[] = [];
  const seen = new Map<string, Source>();
  for (const { value, source } of expandLists(inputs)) {
    const outcome = inspectObject(value);
    if (outcome.status === "invalid") {
      problems.push(...outcome.problems.map((p) => formatProblem(source, outcome.ref, p)));
    } else if (outcome.status === "unsupported") {
      const line = formatProblem(source, undefined, {
        path: [],
        message: unsupportedKindMessage(outcome.kind, outcome.suggestion),
      });
      if (outcome.suggestion !== undefined || options.unknownKinds === "error") problems.push(line);
      else warnings.push(`${line}; skipped`);
    } else {
      const first = seen.get(outcome.ref);
      if (first !== undefined) {
        problems.push(
          formatProblem(source, outcome.ref, {
            path: [],
            message: `is defined more than once (first at ${formatSource(first)})`,
          }),
        );
      } else {
        seen.set(outcome.ref, source);
        loaded.push({ object: outcome.object, source, ref: outcome.ref });
      }
    }
  }
  const svcIdx = loaded.flatMap((l, i) => (l.object.kind === "Service" ? [i] : []));
  const entries = svcIdx.map((i) => ({
    service: loaded[i]!.object as Service,
    owner: `${loaded[i]!.ref} (${formatSource(loaded[i]!.source)})`,
  }));
  const allocated = allocateServices(entries, network);
  svcIdx.forEach((i, k) => {
    loaded[i]!.object = allocated.services[k]!;
  });
  for (const p of allocated.problems) {
    const l = loaded[svcIdx[p.index]!]!;
    problems.push(formatProblem(l.source, l.ref, { path: p.path, message: p.message }));
  }
  if (problems.length > 0) throw new InputError(problems);
  return { objects: loaded.map((l) => l.object), sources: loaded.map((l) => l.source), warnings };
}

/** Decodes one YAML file into objects (empty documents skipped) and syntax problems. */
export function decodeYaml(input: ManifestInput): { objects: ObjectInput[]; problems: string[] } {
  const objects: ObjectInput[] = [];
  const problems: string[] = [];
  parseAllDocuments(input.text).forEach((doc, i) => {
    const source: Source = { file: input.file, document: i + 1 };
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : `document ${i + 1}`;
        problems.push(`${input.file}: ${where}: ${e.message.split(" at line")[0]!.split("\n")[0]}`);
      }
      return;
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) objects.push({ value, source });
  });
  return { objects, problems };
}

/**
 * Loads manifest files. Throws `InputError` listing every problem across all
 * files, one line each, e.g.
 * `web.yaml: document 2, Service default/web: spec.ports[0].port: must be between 1 and 65535, got 70000`.
 */
export function loadManifests(inputs: readonly ManifestInput[], options: LoadOptions = {}): LoadResult {
  const decoded = inputs.map(decodeYaml);
  const problems = decoded.flatMap((d) => d.problems);
  let result: LoadResult | undefined;
  try {
    result = loadObjects(
      decoded.flatMap((d) => d.objects),
      options,
    );
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || result === undefined) throw new InputError(problems);
  return result;
}

/** `Kind namespace/name` (or `Node name`) of a loaded object. */
export function objectRefOf(obj: KubeObject): string {
  return formatObjectRef(obj.kind, obj.kind === "Node" ? undefined : obj.metadata.namespace, obj.metadata.name);
}
