import assert from "node:assert/strict";
import { plainVerify } from "./mod.ts";
import { cli, tempDir } from "../../tests/helpers/cli.ts";

Deno.test("plainVerify recognises exactly the plain forms of migrate --verify", () => {
  assert.deepEqual(plainVerify(["migrate", "--verify"]), {
    db: undefined,
    json: false,
    deep: false,
  });
  assert.deepEqual(plainVerify(["--db", "x.db", "migrate", "--verify", "--json", "--deep"]), {
    db: "x.db",
    json: true,
    deep: true,
  });
  assert.deepEqual(plainVerify(["migrate", "--verify", "--db=y.db"]), {
    db: "y.db",
    json: false,
    deep: false,
  });
  for (
    const args of [
      ["migrate"],
      ["--verify", "migrate"],
      ["migrate", "--verify", "--help"],
      ["--debug", "migrate", "--verify"],
      ["--migrations-dir", "m", "migrate", "--verify"],
      ["migrate", "--verify", "--to", "3"],
      ["db", "check"],
      ["--db", "migrate", "--verify"],
    ]
  ) assert.equal(plainVerify(args), null, args.join(" "));
});

Deno.test("the fast path and the full program give the same verify output and exit code", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  await cli("--db", db, "migrate", "--to", "3");
  for (const extra of [[], ["--json"]]) {
    const fast = await cli("--db", db, "migrate", "--verify", ...extra);
    // --debug takes the full program and changes nothing else here.
    const full = await cli("--db", db, "--debug", "migrate", "--verify", ...extra);
    assert.equal(fast.code, 3);
    assert.deepEqual(fast, full);
  }
});
