import assert from "node:assert/strict";
import { parseTarget, syncHosts } from "./target.ts";
import { UsageError } from "../errors.ts";

Deno.test("parseTarget: host, default port 5432, database, user, sslmode", () => {
  assert.deepEqual(parseTarget("postgres://pi@db.example/drives"), {
    host: "db.example",
    port: 5432,
    database: "drives",
    user: "pi",
    sslMode: "prefer",
    key: "db.example/drives",
  });
  const t = parseTarget("postgresql://pi@127.0.0.1:6432/x?sslmode=require");
  assert.deepEqual([t.port, t.sslMode, t.key], [6432, "require", "127.0.0.1:6432/x"]);
});

Deno.test("parseTarget: a password in the URL is refused without repeating it", () => {
  assert.throws(() => parseTarget("postgres://pi:hunter2@db/x"), (error: Error) => {
    assert.ok(error instanceof UsageError);
    assert.ok(!error.message.includes("hunter2"));
    assert.match(error.message, /PGPASSWORD.*~\/\.pgpass.*PIWARDRIVE_PG_PASSWORD_FILE/);
    return true;
  });
});

Deno.test("parseTarget: usage errors name what is wrong", () => {
  assert.throws(() => parseTarget("db.example"), /Invalid --to URL/);
  assert.throws(() => parseTarget("mysql://pi@db/x"), /scheme "mysql:"/);
  assert.throws(() => parseTarget("postgres://db/x"), /names no user/);
  assert.throws(() => parseTarget("postgres://pi@db/x?sslmode=always"), /Invalid sslmode "always"/);
  assert.throws(
    () => parseTarget("postgres://pi@db/x?host=evil"),
    /Unknown --to URL parameter "host"/,
  );
});

Deno.test("syncHosts: the --to host and port, in both spellings; none without --to", () => {
  assert.deepEqual(syncHosts(["--to", "postgres://pi@127.0.0.1/x"]), ["127.0.0.1:5432"]);
  assert.deepEqual(syncHosts(["--dry-run", "--to=postgres://pi@db:7000/x"]), ["db:7000"]);
  assert.deepEqual(syncHosts(["--dry-run"]), []);
});
