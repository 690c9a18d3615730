/**
 * `piwardrive service`: the unit it prints is rated by `systemd-analyze security --offline=true`
 * (Debian's `systemd` package; no running systemd needed) at or below 2.0, whatever database it
 * is given; the database comes from `--db`, then `PIWARDRIVE_DB`, then the state directory; and
 * `--check` prints a command that rates the same unit and fails above the threshold.
 */
import assert from "node:assert/strict";
import { cliProcess, MAIN, START_PERMISSIONS, tempDir } from "./helpers/cli.ts";
import { USERADD } from "../src/cli/service_command.ts";
import { onPath } from "./helpers/path.ts";

const ANALYZE = "systemd-analyze";

// Skipped where systemd-analyze is missing, except under CI=true, where the run must fail instead.
const ignore = !onPath(ANALYZE) && Deno.env.get("CI") !== "true";

/** The environment of a child without the caller's PIWARDRIVE_DB. */
function envWithout(name: string, extra: Record<string, string> = {}): Record<string, string> {
  const env = { ...Deno.env.toObject(), ...extra };
  delete env[name];
  return env;
}

async function printUnit(args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await cliProcess([...args], {
    env: { ...envWithout("PIWARDRIVE_DB"), ...env },
  });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

/** Rates `unit` as `piwardrive.service` (the name systemd-analyze judges by). */
async function exposure(unit: string): Promise<{ score: number; table: string }> {
  using dir = tempDir();
  const file = `${dir.path}/piwardrive.service`;
  await Deno.writeTextFile(file, unit);
  const output = await new Deno.Command(ANALYZE, {
    args: ["security", "--offline=true", "--no-pager", file],
    env: { SYSTEMD_COLORS: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const table = new TextDecoder().decode(output.stdout);
  const errors = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, errors);
  // A unit systemd cannot parse is rated as if the bad line were absent: refuse any complaint.
  assert.equal(errors.trim(), "", "systemd-analyze complained about the unit");
  const match = table.match(/Overall exposure level for piwardrive\.service: (\d+\.\d)/);
  assert.ok(match, `no overall exposure in:\n${table}`);
  return { score: Number(match[1]), table };
}

const cases: { name: string; args: string[]; env?: Record<string, string>; lines: string[] }[] = [
  {
    name: "default database in the state directory",
    args: ["service"],
    lines: [
      "ExecStart=/usr/local/bin/piwardrive --db /var/lib/piwardrive/piwardrive.db collect --iface wlan0 --quiet",
      "ProtectHome=yes",
    ],
  },
  {
    name: "PIWARDRIVE_DB in a home folder",
    args: ["service", "--iface", "wlan1"],
    env: { PIWARDRIVE_DB: "/home/pi/drives/piwardrive.db" },
    lines: ["ProtectHome=tmpfs", "BindPaths=/home/pi/drives"],
  },
  {
    name: "--db elsewhere",
    args: ["--db", "/srv/wardrive/p.db", "service"],
    lines: ["ProtectHome=yes", "ReadWritePaths=/srv/wardrive"],
  },
  {
    name: "the daily check",
    args: ["--db", "/srv/wardrive/p.db", "service", "--unit", "check"],
    lines: ["User=piwardrive", "PrivateNetwork=yes", "ReadWritePaths=/srv/wardrive"],
  },
  {
    name: "the WiGLE upload",
    args: ["--db", "/srv/wardrive/p.db", "service", "--unit", "upload"],
    lines: [
      "ExecStart=/usr/local/bin/piwardrive --db /srv/wardrive/p.db upload",
      "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
      "CapabilityBoundingSet=",
      "SuccessExitStatus=5",
      "ReadWritePaths=/srv/wardrive",
    ],
  },
  {
    name: "the alert hook",
    args: ["service", "--unit", "alert"],
    lines: ["User=piwardrive", "PrivateNetwork=yes", "CapabilityBoundingSet="],
  },
];

for (const c of cases) {
  Deno.test({
    name: `service: systemd-analyze rates the unit at most 2.0 (${c.name})`,
    ignore,
    async fn() {
      const unit = await printUnit(c.args, c.env);
      for (const line of c.lines) {
        assert(unit.split("\n").includes(line), `no "${line}" in the unit`);
      }
      const { score, table } = await exposure(unit);
      assert(score <= 2.0, `exposure ${score} is above 2.0:\n${table}`);
      // What the score rests on: no root, one capability, a system-call filter.
      for (
        const check of ["User=/DynamicUser=", "NoNewPrivileges=", "SystemCallFilter=~@privileged"]
      ) {
        assert.match(table, new RegExp(`✓ ${check.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      }
    },
  });
}

Deno.test("service: the upload unit may reach any address; its timer starts it", async () => {
  const unit = (await printUnit(["service", "--unit", "upload"])).split("\n");
  assert(!unit.some((l) => /^(IPAddressDeny|PrivateNetwork)=/.test(l)), "upload has no network");
  const timer = await printUnit(["service", "--unit", "upload-timer"]);
  assert.match(timer, /^\[Timer\]\nOnBootSec=10min\nOnUnitInactiveSec=30min\n/m);
  assert.match(timer, /piwardrive-upload\.service/);
});

Deno.test("service: PIWARDRIVE_DB sets the unit's database, --db wins over it", async () => {
  const env = { PIWARDRIVE_DB: "/srv/wardrive/from-env.db" };
  const fromEnv = await printUnit(["service"], env);
  assert(
    fromEnv.includes("ExecStart=/usr/local/bin/piwardrive --db /srv/wardrive/from-env.db collect"),
    fromEnv,
  );
  assert(fromEnv.split("\n").includes("ReadWritePaths=/srv/wardrive"));
  const fromFlag = await printUnit(["--db", "/srv/other/flag.db", "service"], env);
  assert(fromFlag.includes("--db /srv/other/flag.db collect"), fromFlag);
  assert(!fromFlag.includes("from-env.db"));
});

Deno.test("service: a PIWARDRIVE_DB the unit cannot hold is a usage error naming it", async () => {
  const bad = [
    [
      "drive.db",
      'piwardrive: PIWARDRIVE_DB expects an absolute path of letters, digits, "_", ".", "/", "+" or "-" for the unit, got "drive.db"',
    ],
    ["", 'piwardrive: Invalid database path "": give a file path'],
    [
      "/tmp/wardrive/p.db",
      'piwardrive: Database "/tmp/wardrive/p.db" is in a temporary folder, which the service sees empty and loses at each stop (PrivateTmp=): give a lasting path, e.g. /var/lib/piwardrive/piwardrive.db',
    ],
    [
      "/drive.db",
      'piwardrive: Database "/drive.db" is at the root of the file system: give a path in a folder the service may write, e.g. /var/lib/piwardrive/piwardrive.db',
    ],
  ];
  for (const [value, message] of bad) {
    const result = await cliProcess(["service"], {
      env: { ...envWithout("PIWARDRIVE_DB"), PIWARDRIVE_DB: value },
    });
    assert.equal(result.code, 2, `PIWARDRIVE_DB=${JSON.stringify(value)}`);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, `${message}\n`);
  }
});

Deno.test("service: the README creates the user the unit runs as, with the same line", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const unit = await printUnit(["service"]);
  assert.ok(unit.includes(`#   ${USERADD}\n`), "the unit's install comment");
  assert.ok(readme.includes(`sudo ${USERADD}\n`), "the README's install section");
  assert.ok(unit.split("\n").includes("User=piwardrive"));
});

Deno.test({
  name: "service --check: the printed command rates the same unit and passes the threshold",
  ignore,
  async fn() {
    using dir = tempDir();
    // `piwardrive` on PATH as the installed binary would be: this checkout with the start task's flags.
    const wrapper = `${dir.path}/piwardrive`;
    await Deno.writeTextFile(
      wrapper,
      `#!/bin/sh\nexec ${Deno.execPath()} run --quiet ${
        START_PERMISSIONS.join(" ")
      } ${MAIN} "$@"\n`,
    );
    await Deno.chmod(wrapper, 0o755);
    const env = envWithout("PIWARDRIVE_DB", {
      PATH: `${dir.path}:${Deno.env.get("PATH")}`,
      SYSTEMD_COLORS: "0",
    });
    const check = await cliProcess(["--db", "/srv/wardrive/p.db", "service", "--check"], { env });
    assert.equal(check.code, 0, check.stderr);
    const command = check.stdout.trim();
    assert.equal(command.split("\n").length, 1, "one line to paste");
    assert(command.includes("--threshold=20"), command);
    assert(command.includes("piwardrive --db /srv/wardrive/p.db service"), command);

    const run = async (line: string) => {
      const out = await new Deno.Command("sh", { args: ["-c", line], env, stdout: "piped" })
        .output();
      return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
    };
    const passed = await run(command);
    assert.equal(passed.code, 0, passed.stdout);
    const score = passed.stdout.match(/Overall exposure level for piwardrive\.service: (\d+\.\d)/);
    assert.ok(score && Number(score[1]) <= 2.0, passed.stdout);
    // The threshold bites: the same line with a threshold under the score fails.
    const strict = await run(command.replace("--threshold=20", "--threshold=10"));
    assert.equal(strict.code, 1, strict.stdout);
  },
});
