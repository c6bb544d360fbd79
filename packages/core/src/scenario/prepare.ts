import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { decodeYaml, type KubeObject, loadObjects, type ObjectInput } from "../api/index.ts";
import { InputError } from "../engine/index.ts";
import { apiNetworkOf } from "./cluster.ts";
import { formatIssues } from "./errors.ts";
import { type Scenario, ScenarioSchema } from "./schema.ts";

/** A validated scenario with its Kubernetes objects loaded, defaulted and allocated. */
export interface PreparedScenario {
  readonly file: string;
  readonly scenario: Scenario;
  readonly objects: readonly KubeObject[];
}

/**
 * Validates a scenario value and loads its objects (inline `objects` and the
 * `manifests` files, relative to `baseDir`). Every problem is reported at
 * once, each line naming the file and the path inside it.
 */
export function prepareScenario(value: unknown, file: string, baseDir = "."): PreparedScenario {
  const parsed = ScenarioSchema.safeParse(value);
  if (!parsed.success) throw new InputError(formatIssues(file, value, parsed.error));
  const scenario = parsed.data;
  const inputs: ObjectInput[] = scenario.objects.map((v, i) => ({
    value: v,
    source: { file: `${file}: objects[${i}]` },
  }));
  const problems: string[] = [];
  const manifests = scenario.manifests.flatMap((m, i) => {
    try {
      return [{ file: m, text: readFileSync(resolve(baseDir, m), "utf8") }];
    } catch (error) {
      problems.push(`${file}: manifests[${i}]: cannot read ${m}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      return [];
    }
  });
  if (problems.length > 0) throw new InputError(problems);
  const objects = loadWithManifests(inputs, manifests, apiNetworkOf(scenario.cluster));
  return { file, scenario, objects };
}

// One load for manifests and inline objects, so addresses are allocated once
// across both and collisions between them are caught.
function loadWithManifests(
  inputs: ObjectInput[],
  manifests: { file: string; text: string }[],
  network: ReturnType<typeof apiNetworkOf>,
): KubeObject[] {
  const decoded = manifests.map((m) => decodeYaml(m));
  const problems = decoded.flatMap((d) => d.problems);
  if (problems.length > 0) throw new InputError(problems);
  return loadObjects([...inputs, ...decoded.flatMap((d) => d.objects)], { network }).objects;
}
