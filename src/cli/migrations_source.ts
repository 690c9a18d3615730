/** Which migrations a command uses: the embedded ones, or `--migrations-dir` (development). */
import { UsageError } from "../errors.ts";
import { directoryMigrations, embeddedMigrations, type Migration } from "../migrate/mod.ts";
import type { GlobalOptions } from "./context.ts";

/**
 * The embedded migrations, or those of `--migrations-dir` (development). `precomputed: false`
 * recomputes the embedded files' checksums instead of taking the build's (`--verify --deep`).
 */
export function migrationsFor(
  options: GlobalOptions,
  { precomputed = true }: { precomputed?: boolean } = {},
): Migration[] {
  if (options.migrationsDir === undefined) return embeddedMigrations({ precomputed });
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
