/** Which migrations a command uses: the embedded ones, or `--migrations-dir` (development). */
import { UsageError } from "../errors.ts";
import { directoryMigrations, embeddedMigrations, type Migration } from "../migrate/mod.ts";
import type { GlobalOptions } from "./context.ts";

/** The embedded migrations, or those of `--migrations-dir` (development). */
export function migrationsFor(options: GlobalOptions): Migration[] {
  if (options.migrationsDir === undefined) return embeddedMigrations();
  try {
    return directoryMigrations(options.migrationsDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(
        `Cannot read migrations directory "${options.migrationsDir}": not found`,
      );
    }
    throw error;
  }
}
