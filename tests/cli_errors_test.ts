/** Bad invocations: each gets one clear line, the documented exit code, and no stack trace. */
import assert from "node:assert/strict";
import { cli, cliProcess, tempDir } from "./helpers/cli.ts";

Deno.test("a table of bad invocations: exit code and the one line each prints", async () => {
  using dir = tempDir();
  const text = `${dir.path}/notes.txt`;
  Deno.writeTextFileSync(text, "plain text, not a database ".repeat(10));
  const db = `${dir.path}/p.db`;
  // Options commander refuses are followed by the usage line of their command.
  const MIGRATE = "usage: piwardrive migrate [options] [command]";
  const table: [string[], number, RegExp, string?][] = [
    [["migrate", "--bogus"], 2, /^piwardrive: unknown option '--bogus'$/, MIGRATE],
    [
      ["frobnicate"],
      2,
      /^piwardrive: unknown command 'frobnicate'$/,
      "usage: piwardrive [options] [command]",
    ],
    [["migrate", "--to", "abc"], 2, /--to expects a whole number ≥ 0, got "abc"$/, MIGRATE],
    [
      ["migrate", "--to", "99"],
      2,
      /^piwardrive: Cannot migrate to version 99: this binary knows versions 0 to \d+$/,
    ],
    [
      ["migrate", "--status", "--verify"],
      2,
      /^piwardrive: Use only one of --status, --verify and --dry-run$/,
    ],
    [["migrate", "--deep"], 2, /^piwardrive: --deep only goes with --verify$/],
    [
      ["collect", "--interval", "-1"],
      2,
      /--interval expects a duration.*got "-1"$/,
      "usage: piwardrive collect [options]",
    ],
    [
      ["collect", "--iface", "wlan0; rm -rf /"],
      2,
      /--iface expects a network interface name.*"$/,
      "usage: piwardrive collect [options]",
    ],
    [
      ["config", "set", "k", "v", "--type", "nope"],
      2,
      /argument 'nope' is invalid\. Allowed choices are string, int, float, bool, json$/,
      "usage: piwardrive config set [options] <key> <value>",
    ],
    [["config", "set", "bad key", "v"], 2, /^piwardrive: Invalid key "bad key"/],
    [
      ["config", "set", "n", "1.5", "--type", "int"],
      2,
      /^piwardrive: Invalid value "1.5" for type int: expected a whole number$/,
    ],
    [
      ["--db", dir.path, "migrate"],
      1,
      /^piwardrive: Cannot open database ".*": it is a directory; give a file path with --db$/,
    ],
    [
      ["--db", text, "migrate"],
      1,
      /^piwardrive: Cannot open database ".*notes.txt": file is not a SQLite database$/,
    ],
    [
      ["--db", text, "db", "stats"],
      1,
      /^piwardrive: Cannot open database ".*notes.txt": file is not a SQLite database$/,
    ],
    [
      ["--db", `${text}/sub.db`, "migrate"],
      1,
      /^piwardrive: Cannot open database ".*notes.txt\/sub.db": /,
    ],
    [
      ["--db", `${dir.path}/none.db`, "config", "get", "x"],
      1,
      /no such file; run `piwardrive migrate` to create it$/,
    ],
    [["--db", "", "migrate"], 2, /^piwardrive: Invalid database path "": give a file path$/],
  ];
  for (const [args, code, message, usage] of table) {
    const full = args[0] === "--db" ? args : ["--db", db, ...args];
    const result = await cli(...full);
    assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    const lines = result.stderr.trimEnd().split("\n");
    assert.deepEqual(lines.slice(1), usage === undefined ? [] : [usage], result.stderr);
    assert.match(lines[0], message, args.join(" "));
  }
  assert.deepEqual(Deno.readTextFileSync(text), "plain text, not a database ".repeat(10));
  // Nothing was created beside the folder given as a database.
  assert.throws(() => Deno.statSync(`${dir.path}.lock`), Deno.errors.NotFound);
});

Deno.test("a real process: no stack trace without --debug, the stack with it", async () => {
  using dir = tempDir();
  const text = `${dir.path}/notes.txt`;
  Deno.writeTextFileSync(text, "x".repeat(200));
  const plain = await cliProcess(["--db", text, "migrate"]);
  assert.equal(plain.code, 1);
  assert.equal(
    plain.stderr,
    `piwardrive: Cannot open database "${text}": file is not a SQLite database\n`,
  );
  const debug = await cliProcess(["--db", text, "--debug", "migrate"]);
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /\n\s+at .*open\.ts/);
  const verify = await cliProcess(["--db", text, "migrate", "--verify"]);
  assert.equal(verify.code, 3);
  assert.doesNotMatch(verify.stderr + verify.stdout, /\bat .*\.ts:\d+/);
});

Deno.test("--version and --help answer with exit 0", async () => {
  const config = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)));
  const version = await cli("--version");
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `${config.version}\n`);
  for (
    const args of [["--help"], ["migrate", "--help"], ["collect", "--help"], [
      "db",
      "check",
      "--help",
    ]]
  ) {
    const help = await cli(...args);
    assert.equal(help.code, 0, args.join(" "));
    assert.match(help.stdout, /^Usage: piwardrive/);
  }
});

Deno.test("a usage error is its message without a period, then the command's usage line", async () => {
  const result = await cli("--db", "/nonexistent/x.db", "db", "vacuum", "--lock-wait", "soon");
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    "piwardrive: option '--lock-wait <seconds>' argument 'soon' is invalid. " +
      '--lock-wait expects a whole number ≥ 0, got "soon"\n' +
      "usage: piwardrive db vacuum [options]\n",
  );
  assert.equal(result.stdout, "");
});
