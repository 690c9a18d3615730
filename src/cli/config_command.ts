/** `piwardrive config get|set|unset|list` over the configuration table. */
import { Command, Option } from "@commander-js/extra-typings";
import {
  canonicalValue,
  CONFIG_TYPES,
  getConfig,
  listConfig,
  setConfig,
  typedEntry,
  unsetConfig,
  validateKey,
} from "../db/config.ts";
import { openDatabase } from "../db/open.ts";
import { jsonOption } from "./options.ts";
import { type GlobalOptions, type Io, resolveDbPath } from "./context.ts";
import { openCurrentDatabase } from "./open_for_writing.ts";
import { refuseStoredSecret } from "../upload/credentials.ts";

/**
 * The `config` command and its `get`, `set`, `unset` and `list` sub-commands.
 * `io` takes its output, `globals()` gives the program's global options (`--db`, `--debug`,
 * `--migrations-dir`) when the action runs.
 *
 * @example
 * ```ts
 * program.addCommand(configCommand(io, () => program.opts()));
 * ```
 */
export function configCommand(io: Io, globals: () => GlobalOptions) {
  const config = new Command("config").description(
    "Read and change settings stored in the database",
  );
  const readOnly = () => openDatabase(resolveDbPath(globals()), { readOnly: true });
  config.command("get")
    .description("print the value of a key")
    .argument("<key>")
    .addOption(jsonOption())
    .action((key, options) => {
      const db = readOnly();
      try {
        const entry = getConfig(db, key);
        io.out(options.json ? JSON.stringify(typedEntry(entry)) : entry.value);
      } finally {
        db.close();
      }
    });
  config.command("set")
    .description("set a key; the value must parse as its type")
    .argument("<key>")
    .argument("<value>")
    .addOption(
      new Option("--type <type>", "value type (default: the key's type, else string)").choices(
        CONFIG_TYPES,
      ),
    )
    .option("--description <text>", "what the setting is for")
    .addOption(jsonOption())
    .action(async (key, value, options) => {
      // A wrong key or value is refused before the database is touched.
      validateKey(key);
      refuseStoredSecret(key);
      if (options.type) canonicalValue(options.type, value);
      const { db, close } = await openCurrentDatabase(globals(), io, {
        quiet: options.json,
        create: false,
      });
      try {
        const entry = setConfig(db, key, value, options.type, options.description);
        io.out(
          options.json
            ? JSON.stringify(typedEntry(entry))
            : `${entry.key} = ${entry.value} (${entry.type})`,
        );
      } finally {
        close();
      }
    });
  config.command("unset")
    .description("remove a key")
    .argument("<key>")
    .action(async (key) => {
      validateKey(key);
      const { db, close } = await openCurrentDatabase(globals(), io, { create: false });
      try {
        unsetConfig(db, key);
      } finally {
        close();
      }
    });
  config.command("list")
    .description("print every key with its value and type")
    .addOption(jsonOption())
    .action((options) => {
      const db = readOnly();
      try {
        const entries = listConfig(db);
        if (options.json) io.out(JSON.stringify(entries.map(typedEntry), null, 2));
        else for (const e of entries) io.out(`${e.key} = ${e.value} (${e.type})`);
      } finally {
        db.close();
      }
    });
  return config;
}
