import { readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { InputError } from "../engine/index.ts";

/**
 * Reads a scenario file: a `.ts`/`.js` module whose default export is the
 * scenario (tsx compiles TypeScript on the fly), or a data-only `.yaml` file.
 * Returns the raw value; `prepareScenario` validates it.
 */
export async function readScenarioFile(file: string): Promise<unknown> {
  const ext = extname(file);
  const path = resolve(file);
  if (ext === ".yaml" || ext === ".yml") {
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
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const reason =
      e.code === "ERR_MODULE_NOT_FOUND" && e.message.includes(path) ? "no such file" : e.message.split("\n")[0];
    throw new InputError([`${file}: cannot load: ${reason}`]);
  }
  if (module.default === undefined) {
    throw new InputError([`${file}: expected a default export: export default defineScenario({ ... })`]);
  }
  return module.default;
}

/** Manifest paths in a scenario are relative to the scenario file. */
export function scenarioDir(file: string): string {
  return dirname(resolve(file));
}
