import assert from "node:assert/strict";
import { pgpassLookup, resolvePassword } from "./password.ts";
import { parseTarget } from "./target.ts";

const target = parseTarget("postgres://pi@127.0.0.1:6432/drives");

Deno.test("pgpassLookup: first matching line, wildcards, escapes, localhost for 127.0.0.1", () => {
  assert.equal(
    pgpassLookup("db:6432:drives:pi:no\n*:6432:drives:pi:s3cr\\:et\\\\\n", target),
    "s3cr:et\\",
  );
  assert.equal(pgpassLookup("localhost:*:*:pi:local\n", target), "local");
  assert.equal(pgpassLookup("# comment\n*:*:other:pi:x\n", target), undefined);
});

Deno.test("resolvePassword: PGPASSWORD first, then the password file, else none", () => {
  using dir = {
    path: Deno.makeTempDirSync(),
    [Symbol.dispose]() {
      Deno.removeSync(this.path, { recursive: true });
    },
  };
  const file = `${dir.path}/pw`;
  Deno.writeTextFileSync(file, "from-file\nignored\n", { mode: 0o600 });
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.deepEqual(
    resolvePassword(target, env({ PGPASSWORD: "p", PIWARDRIVE_PG_PASSWORD_FILE: file })),
    {
      password: "p",
      source: "PGPASSWORD",
    },
  );
  assert.deepEqual(resolvePassword(target, env({ PIWARDRIVE_PG_PASSWORD_FILE: file })), {
    password: "from-file",
    source: "PIWARDRIVE_PG_PASSWORD_FILE",
  });
  assert.deepEqual(resolvePassword(target, env({ HOME: dir.path })), {
    password: undefined,
    source: "none",
  });
  Deno.chmodSync(file, 0o640);
  assert.throws(
    () => resolvePassword(target, env({ PIWARDRIVE_PG_PASSWORD_FILE: file })),
    new RegExp(
      `^PiwardriveError: Password file "${file}" has mode 0640: others may read it; run chmod 600`,
    ),
  );
});
