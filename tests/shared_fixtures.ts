/**
 * Locates the real captures in `../shared/fixtures/real/` (beside the repository). They may not be
 * copied into the project, so tests read them in place; under `CI=true` their absence is a failure.
 */
import { fileURLToPath } from "node:url";

const root = new URL("../../shared/fixtures/real/", import.meta.url);

/** Files of `../shared/fixtures/real/<tool>/` as `{ name, text }`, or `null` when the folder is absent. */
export function sharedCaptures(tool: string): { name: string; text: string }[] | null {
  const dir = new URL(`${tool}/`, root);
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    if (Deno.env.get("CI") === "true") {
      throw new Error(
        `Cannot find shared captures "${fileURLToPath(dir)}": required under CI=true`,
      );
    }
    return null;
  }
  return entries
    .filter((e) => e.isFile)
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, text: Deno.readTextFileSync(new URL(name, dir)) }));
}
