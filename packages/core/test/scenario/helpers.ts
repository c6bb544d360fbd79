import { resolve } from "node:path";
import { prepareScenario, type RunOptions, readScenarioFile, runScenario } from "../../src/scenario/index.ts";

/** The catalogue's folder. */
export const CATALOGUE = resolve(import.meta.dirname, "../../../scenarios/src");

/** Loads and runs a catalogue scenario file. */
export async function runCatalogue(file: string, options: RunOptions = {}) {
  const path = resolve(CATALOGUE, file);
  return runScenario(prepareScenario(await readScenarioFile(path), file, CATALOGUE), options);
}
