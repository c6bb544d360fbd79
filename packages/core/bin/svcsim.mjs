#!/usr/bin/env node
// The `svcsim` command: loads the TypeScript CLI through tsx, which also lets
// `svcsim run scenario.ts` import the user's TypeScript scenario directly.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
