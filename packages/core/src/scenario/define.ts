import type { ScenarioInput } from "./schema.ts";

/**
 * Declares a scenario in a `.ts` file: `export default defineScenario({...})`.
 * It returns its argument unchanged (validation happens when the scenario is
 * run, with the file's name in every message); its purpose is the types.
 */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return scenario;
}
