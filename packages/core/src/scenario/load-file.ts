import { readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { InputError } from "../engine/index.ts";

/**
 * Reads a scenario file: a `.ts`/`.js` module whose default export is the
 * scenario (tsx compiles TypeScript on the fly), or a data-only `.yaml` file.
 * `variant` names another export of the module instead (a catalogue file's
 * contrast runs, such as `roundRobin` beside the default pick_first).
 * Returns the raw value; `prepareScenario` validates it.
 */
export async function readScenarioFile(file: string, variant?: string): Promise<unknown> {
  const ext = extname(file);
  const path = resolve(file);
  if (ext === ".yaml" || ext === ".yml") {
    if (variant !== undefined) {
      throw new InputError([`${file}: a YAML scenario has no variants (asked for "${variant}")`]);
    }
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new InputError([`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
    }
    try {
      return parseYaml(text, { prettyErrors: true });
    } catch (error) {
      throw new InputError([`${file}: ${(error as Error).message.split("\n")[0]}`]);
    }
  }
  if (![".ts", ".mts", ".js", ".mjs"].includes(ext)) {
    throw new InputError([`${file}: expected a scenario file ending in .ts, .mts, .js, .mjs, .yaml or .yml`]);
  }
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const reason =
      e.code === "ERR_MODULE_NOT_FOUND" && e.message.includes(path) ? "no such file" : e.message.split("\n")[0];
    throw new InputError([`${file}: cannot load: ${reason}`]);
  }
  if (variant !== undefined) {
    if (isScenarioLike(module[variant])) return module[variant];
    const known = Object.keys(module).filter((k) => k !== "default" && isScenarioLike(module[k]));
    const listed = known.length === 0 ? "it exports none" : `its variants: default, ${known.join(", ")}`;
    throw new InputError([`${file}: no scenario exported as "${variant}"; ${listed}`]);
  }
  if (module.default === undefined) {
    throw new InputError([`${file}: expected a default export: export default defineScenario({ ... })`]);
  }
  return module.default;
}

/** An export that looks like a scenario (an object with a name and a cluster): what `--variant` may pick. */
function isScenarioLike(value: unknown): boolean {
  return typeof value === "object" && value !== null && "name" in value && "cluster" in value;
}

/** Manifest paths in a scenario are relative to the scenario file. */
export function scenarioDir(file: string): string {
  return dirname(resolve(file));
}
