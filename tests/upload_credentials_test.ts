/**
 * `piwardrive upload`'s credentials: the API name from the settings, the token from the
 * environment or a file only its owner can read, and the token in no output and not in the
 * database, whatever WiGLE answers.
 */
import assert from "node:assert/strict";
import { cli } from "./helpers/cli.ts";
import { API_NAME, batches, TOKEN } from "./helpers/upload_db.ts";
import { receivedOnce, setup } from "./helpers/upload_env.ts";

Deno.test("bad input: no API name, no token, a bad --since, a bad URL", async () => {
  await using t = await setup(null);
  const noToken = await t.upload();
  assert.equal(noToken.code, 2);
  assert.equal(
    noToken.stderr,
    "piwardrive: No WiGLE API token: set PIWARDRIVE_WIGLE_TOKEN, or put it in a file of mode 0600 and give it with --token-file PATH or `piwardrive config set wigle.token_file PATH`\n",
  );
  assert.equal((await cli("--db", t.db, "config", "unset", "wigle.api_name")).code, 0);
  const noName = await t.upload();
  assert.equal(noName.code, 2);
  assert.equal(
    noName.stderr,
    "piwardrive: No WiGLE API name: run `piwardrive config set wigle.api_name NAME` (the API name of your WiGLE account page)\n",
  );
  const since = await t.upload("--since", "yesterday");
  assert.equal(since.code, 2);
  assert.match(
    since.stderr,
    /^piwardrive: option '--since <time>' argument 'yesterday' is invalid/,
  );
  Deno.env.set("PIWARDRIVE_WIGLE_URL", "ftp://127.0.0.1/");
  const url = await t.upload();
  assert.equal(url.code, 2);
  assert.equal(
    url.stderr,
    'piwardrive: PIWARDRIVE_WIGLE_URL "ftp://127.0.0.1" must be a plain http(s) URL without user, password, query or fragment\n',
  );
  assert.equal(t.server.uploadRequests, 0);
  assert.deepEqual(batches(t.db), []);
});

Deno.test("a token file must be mode 0600; the token never shows in output or the database", async () => {
  await using t = await setup(null);
  const file = `${t.dir}/wigle-token`;
  Deno.writeTextFileSync(file, `${TOKEN}\n`, { mode: 0o644 });
  Deno.chmodSync(file, 0o644);
  const loose = await t.upload("--token-file", file);
  assert.equal(loose.code, 1);
  assert.equal(
    loose.stderr,
    `piwardrive: Token file "${file}" has mode 0644: others could read the token; run \`chmod 600 ${file}\`\n`,
  );
  Deno.chmodSync(file, 0o600);
  assert.equal((await cli("--db", t.db, "config", "set", "wigle.token_file", file)).code, 0);
  const outputs: string[] = [loose.stdout, loose.stderr];
  const run = async (...args: string[]) => {
    const r = await t.upload(...args);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  t.server.modes = ["500", "refuse", "malformed", "success"];
  assert.equal((await run("--retries", "0")).code, 5);
  assert.equal((await run("--json")).code, 1);
  assert.equal((await run("--json")).code, 1);
  assert.equal((await run("--json")).code, 0);
  assert.equal((await run("--status", "--json")).code, 0);
  assert.equal((await run("--status")).code, 0);
  assert.equal((await run("--dry-run", "--json")).code, 0);
  assert.deepEqual(receivedOnce(t.server), t.keys);
  const encoded = btoa(`${API_NAME}:${TOKEN}`);
  for (const text of outputs) {
    assert.ok(!text.includes(TOKEN) && !text.includes(encoded), `token in output: ${text}`);
  }
  for (const suffix of ["", "-wal", "-shm"]) {
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(t.db + suffix);
    } catch {
      continue;
    }
    const text = new TextDecoder("latin1").decode(bytes);
    assert.ok(!text.includes(TOKEN) && !text.includes(encoded), `token in ${t.db}${suffix}`);
  }
});

Deno.test("a wrong token: exit 1 naming what to check, the queue intact", async () => {
  await using t = await setup("wrong-token-0123456789");
  const result = await t.upload();
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^piwardrive: WiGLE refused the API name or token \(http:\/\/127\.0\.0\.1:\d+\/api\/v2\/file\/upload: HTTP 401\): check `piwardrive config get wigle\.api_name` and the token; the queue is intact\n$/,
  );
  assert.deepEqual(batches(t.db).map((b) => b.state), ["pending"]);
  assert.deepEqual(t.server.rejections, ["authorization"]);
  Deno.env.set("PIWARDRIVE_WIGLE_TOKEN", TOKEN);
  const next = await t.upload();
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual(receivedOnce(t.server), t.keys);
});

Deno.test({
  name: "a token file of another user is refused",
  ignore: Deno.uid() !== 0 && Deno.env.get("CI") !== "true", // only root can give a file away
  async fn() {
    await using t = await setup(null);
    const file = `${t.dir}/wigle-token`;
    Deno.writeTextFileSync(file, TOKEN, { mode: 0o600 });
    Deno.chownSync(file, 65534, 65534);
    const result = await t.upload("--token-file", file);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `piwardrive: Token file "${file}" belongs to user 65534, not to this user (0): use a file of your own\n`,
    );
  },
});

Deno.test("config set refuses to store the token in the database", async () => {
  await using t = await setup();
  const before = batches(t.db);
  const stored = await cli("--db", t.db, "config", "set", "wigle.token", TOKEN);
  assert.equal(stored.code, 2);
  assert.equal(
    stored.stderr,
    'piwardrive: Setting "wigle.token" would store a secret in the database: put the WiGLE token in PIWARDRIVE_WIGLE_TOKEN or a file of mode 0600 named by wigle.token_file\n',
  );
  assert.equal((await cli("--db", t.db, "config", "get", "wigle.token")).code, 1);
  assert.ok(!new TextDecoder("latin1").decode(Deno.readFileSync(t.db)).includes(TOKEN));
  assert.deepEqual(batches(t.db), before);
});
