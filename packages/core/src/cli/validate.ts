import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { validateManifests } from "../api/index.ts";
import { InputError } from "../engine/index.ts";

/**
 * `svcsim validate <files…>`: checks manifests and prints what it understood,
 * one line per object; on problems, one line per problem (file, document,
 * object, field path) and exit code 1.
 */
export async function validateCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { help: { type: "boolean", short: "h" } },
  });
  if (values.help || positionals.length === 0) {
    console.log(
      "Usage: svcsim validate <manifest.yaml…>\n\nChecks Kubernetes manifests as the API server would, and prints what svcsim understood.",
    );
    return values.help ? 0 : 2;
  }
  const inputs = positionals.map((file) => {
    try {
      return { file, text: readFileSync(file, "utf8") };
    } catch (error) {
      throw new InputError([`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
    }
  });
  const report = validateManifests(inputs);
  for (const line of report.lines) (report.ok ? console.log : console.error)(line);
  return report.ok ? 0 : 1;
}
