import type { Nanos } from "./time.ts";

/**
 * A broken invariant inside the simulation: a bug, not a packet's fate.
 * It ends the run loudly and says when and where it happened.
 */
export class SimInvariantError extends Error {
  override readonly name = "SimInvariantError";
  constructor(
    message: string,
    readonly where: { t: Nanos; seq: number; component: string },
  ) {
    super(`${message} (t=${where.t}ns seq=${where.seq} component=${where.component})`);
  }
}

/**
 * Bad input from a user (a manifest, a scenario file, a dump): names the file,
 * the path inside it and what was expected. The CLI prints `message` alone,
 * never a stack trace.
 */
export class InputError extends Error {
  override readonly name = "InputError";
  constructor(
    /** One line per problem, each already naming file, path and expectation. */
    readonly problems: readonly string[],
  ) {
    super(problems.join("\n"));
  }
}
