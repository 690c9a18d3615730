/**
 * The central server's password, from (first found) `PGPASSWORD`, the file named by
 * `PIWARDRIVE_PG_PASSWORD_FILE` (the password alone, first line), or a libpq password file
 * (`PGPASSFILE`, else `~/.pgpass`: `host:port:database:user:password` lines, `*` matches
 * anything, `\:` and `\\` escape). Files readable by group or others are refused. Never the
 * command line, never printed.
 */
import { PiwardriveError } from "../errors.ts";
import type { SyncTarget } from "./target.ts";

/** Where the password came from, for the report (never the password itself). */
export type PasswordSource = "PGPASSWORD" | "PIWARDRIVE_PG_PASSWORD_FILE" | "pgpass" | "none";

/** The password for `target` and where it came from (undefined when none was found). */
export function resolvePassword(
  target: SyncTarget,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): { password: string | undefined; source: PasswordSource } {
  const fromEnv = env("PGPASSWORD");
  if (fromEnv !== undefined && fromEnv !== "") return { password: fromEnv, source: "PGPASSWORD" };
  const file = env("PIWARDRIVE_PG_PASSWORD_FILE");
  if (file !== undefined && file !== "") {
    const text = readPrivateFile(file, true)!;
    return { password: text.split(/\r?\n/)[0], source: "PIWARDRIVE_PG_PASSWORD_FILE" };
  }
  const home = env("HOME");
  const pgpass = env("PGPASSFILE") ?? (home ? `${home}/.pgpass` : undefined);
  if (pgpass !== undefined) {
    const text = readPrivateFile(pgpass, false);
    if (text !== undefined) {
      const password = pgpassLookup(text, target);
      if (password !== undefined) return { password, source: "pgpass" };
    }
  }
  return { password: undefined, source: "none" };
}

function readPrivateFile(path: string, required: boolean): string | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (!required && error instanceof Deno.errors.NotFound) return undefined;
    throw new PiwardriveError(`Cannot read password file "${path}": it does not exist`);
  }
  const mode = (info.mode ?? 0) & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new PiwardriveError(
      `Password file "${path}" has mode ${
        mode.toString(8).padStart(4, "0")
      }: others may read it; run chmod 600 "${path}"`,
    );
  }
  return Deno.readTextFileSync(path);
}

/**
 * The password of the first line of a libpq password file that matches `target`.
 *
 * @example
 * ```ts
 * pgpassLookup("*:*:drives:pi:s3cr\\:et\n", target); // "s3cr:et" for user pi, database drives
 * ```
 */
export function pgpassLookup(text: string, target: SyncTarget): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const fields: string[] = [];
    let field = "";
    for (let i = 0; i < line.length; i++) {
      if (line[i] === "\\" && i + 1 < line.length) field += line[++i];
      else if (line[i] === ":" && fields.length < 4) {
        fields.push(field);
        field = "";
      } else field += line[i];
    }
    fields.push(field);
    if (fields.length !== 5) continue;
    const [host, port, database, user, password] = fields;
    const matches = (pattern: string, value: string) => pattern === "*" || pattern === value;
    const hostMatches = matches(host, target.host) ||
      (host === "localhost" && target.host === "127.0.0.1");
    if (
      hostMatches && matches(port, String(target.port)) &&
      matches(database, target.database) && matches(user, target.user)
    ) {
      return password;
    }
  }
  return undefined;
}
