import assert from "node:assert/strict";
import { isSixteenKPageKernel, platformWarnings, warnAboutPlatform } from "./platform.ts";

Deno.test("isSixteenKPageKernel: the Pi 5's 2712 kernel and 16k builds, not kernel8 or a PC's", () => {
  for (
    const release of [
      "6.12.47+rpt-rpi-2712",
      "6.1.0-rpi4-rpi-2712",
      "6.6.3-414.asahi.fc39.aarch64+16k",
    ]
  ) {
    assert.equal(isSixteenKPageKernel(release), true, release);
  }
  for (
    const release of [
      "6.12.47+rpt-rpi-v8",
      "6.1.0-rpi7-rpi-v8",
      "6.8.0-45-generic",
      "5.15.0-1040-raspi",
      "6.12.47+rpt-rpi-27120",
      "",
    ]
  ) {
    assert.equal(isSixteenKPageKernel(release), false, release);
  }
});

Deno.test("platformWarnings: 64-bit on 4 KB pages is quiet; 16 KB pages or another arch warn", () => {
  assert.deepEqual(platformWarnings("aarch64", false), []);
  assert.deepEqual(platformWarnings("x86_64", false), []);
  assert.deepEqual(platformWarnings("aarch64", true), [
    "Warning: this kernel uses 16 KB memory pages and Deno-compiled binaries crash on it: on a Pi 5 add kernel=kernel8.img to /boot/firmware/config.txt and reboot (`getconf PAGESIZE` must print 4096)",
  ]);
  assert.deepEqual(platformWarnings("arm", false), [
    'Warning: Deno ships 64-bit builds only and this one is "arm": a Raspberry Pi needs the 64-bit Raspberry Pi OS (`uname -m` prints aarch64)',
  ]);
});

Deno.test("warnAboutPlatform writes one stderr line per warning and nothing to stdout", () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: (t: string) => out.push(t),
    err: (t: string) => err.push(t),
    isTerminal: false,
  };
  warnAboutPlatform(io, "aarch64", () => true);
  assert.equal(err.length, 1);
  assert.match(err[0], /^piwardrive: Warning: this kernel uses 16 KB memory pages/);
  warnAboutPlatform(io, "aarch64", () => false);
  warnAboutPlatform(io);
  assert.equal(err.length, 1, "this test machine is a 64-bit build on a 4 KB kernel");
  assert.deepEqual(out, []);
});
