import { enter } from "./src/cli/entry.ts";

const code = await enter(Deno.args, import.meta.url);
if (code !== null) Deno.exit(code);
