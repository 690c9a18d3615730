import assert from "node:assert/strict";
import { hostOf, wigleBaseUrl } from "./client.ts";
import { UsageError } from "../errors.ts";

Deno.test("wigleBaseUrl: WiGLE's API by default, else an http(s) URL with nothing secret in it", () => {
  assert.equal(wigleBaseUrl(undefined).href, "https://api.wigle.net/");
  assert.equal(wigleBaseUrl("").href, "https://api.wigle.net/");
  assert.equal(wigleBaseUrl("http://127.0.0.1:8080").href, "http://127.0.0.1:8080/");
  assert.equal(wigleBaseUrl("https://proxy.lan/wigle/").href, "https://proxy.lan/wigle/");
  for (
    const bad of ["ftp://127.0.0.1/", "http://u:p@127.0.0.1/", "http://h/?a=1", "http://h/#x"]
  ) {
    assert.throws(() => wigleBaseUrl(bad), UsageError, bad);
  }
  assert.throws(
    () => wigleBaseUrl("not a url"),
    new UsageError(
      'PIWARDRIVE_WIGLE_URL "not a url" is not a URL: give one like https://api.wigle.net',
    ),
  );
});

Deno.test("hostOf: host and port as a net permission names them, default ports filled in", () => {
  assert.equal(hostOf(new URL("https://api.wigle.net")), "api.wigle.net:443");
  assert.equal(hostOf(new URL("http://127.0.0.1")), "127.0.0.1:80");
  assert.equal(hostOf(new URL("http://127.0.0.1:8123/x")), "127.0.0.1:8123");
  assert.equal(hostOf(new URL("http://[::1]:9/")), "[::1]:9");
});
