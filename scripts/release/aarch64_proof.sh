#!/usr/bin/env bash
# The aarch64 proof (run by CI): builds dist/piwardrive.js with `deno task bundle`, then runs ONLY
# that file from an empty temporary directory, without network and with an empty private DENO_DIR,
# on the ARM64 Deno under qemu-aarch64-static, with the start task's permissions. Each step prints
# `ok - …`, `not ok - …` (then the script stops, showing the output) or `skip - …`. Ends with the
# bundle size and cold-start times next to x86_64.
#
# Installs what is missing: qemu-user-static, libc6:arm64, sqlite3 (apt) and the ARM64 Deno from
# npm (@deno/linux-arm64-glibc, same version as `deno`) into ${PIWARDRIVE_TOOLS:-~/.cache/piwardrive-tools}.
# Under CI=true anything missing that cannot be installed fails the proof; elsewhere the proof is
# skipped with the reason.
#
# Environment:
#   PROOF_RUNS_X86=5 PROOF_RUNS_QEMU=3   timing runs;  PROOF_STEP_TIMEOUT=300 seconds a step
#   PIWARDRIVE_TOOLS          cache directory for the ARM64 Deno
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS=${PIWARDRIVE_TOOLS:-${HOME:-/root}/.cache/piwardrive-tools}
STEP_TIMEOUT=${PROOF_STEP_TIMEOUT:-300}
RUNS_X86=${PROOF_RUNS_X86:-5}
RUNS_QEMU=${PROOF_RUNS_QEMU:-3}
IN_CI=false
[[ ${CI:-} == true || ${CI:-} == 1 ]] && IN_CI=true

PASSED=0
SKIPPED=0
APT_UPDATED=false
WORK=""

cleanup() {
  if [[ -n $WORK && -d $WORK ]]; then rm -rf -- "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '%s\n' "$*"; }

summary() { say "aarch64 proof: $PASSED passed, $1 failed, $SKIPPED skipped"; }

ok() {
  say "ok - $1"
  PASSED=$((PASSED + 1))
}

skip() {
  say "skip - $1"
  SKIPPED=$((SKIPPED + 1))
}

# fail STEP [REASON [FILE...]]: prints `not ok`, the reason and what came out, and exits 1.
fail() {
  local step=$1 reason=${2:-} file
  say "not ok - $step"
  [[ -n $reason ]] && say "  # $reason"
  shift 2 || true
  for file in "$@"; do
    if [[ -s $file ]]; then sed 's/^/  | /' "$file"; fi
  done
  summary 1
  exit 1
}

# unavailable WHAT WHY: a tool is missing and cannot be installed.
unavailable() {
  if [[ $IN_CI == true ]]; then
    fail "$1" "missing and cannot be installed under CI: $2" "$WORK/install.log"
  fi
  skip "aarch64 proof: $1 missing and cannot be installed here ($2)"
  summary 0
  exit 0
}

# apt_install PACKAGE...: apt-get install, logged to $WORK/install.log.
apt_install() {
  if [[ $(id -u) -ne 0 ]]; then
    say "# cannot install $* with apt-get: not root"
    return 1
  fi
  command -v apt-get >/dev/null || return 1
  if [[ $APT_UPDATED == false ]]; then
    say "# apt-get update"
    apt-get update -q </dev/null >>"$WORK/install.log" 2>&1 || return 1
    APT_UPDATED=true
  fi
  say "# installing $* (apt-get install)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
    </dev/null >>"$WORK/install.log" 2>&1
}

# elf_machine FILE: prints the ELF machine bytes, e.g. "b7 00" for aarch64.
elf_machine() { od -An -tx1 -j18 -N2 "$1" | tr -s ' ' | sed 's/^ //; s/ $//'; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/piwardrive-proof.XXXXXX")
case "$WORK/" in
  "$ROOT"/*) fail "temporary directory outside the repository" "$WORK is inside $ROOT" ;;
esac
: >"$WORK/install.log"

# ---------------------------------------------------------------------------------------------
# 1. Tools
command -v deno >/dev/null || unavailable "deno (x86_64)" "not on PATH"
DENO_VERSION=$(deno --version | sed -n '1s/^deno \([0-9][^ ]*\).*/\1/p')
[[ -n $DENO_VERSION ]] || fail "deno --version" "cannot read the Deno version"

if command -v qemu-aarch64-static >/dev/null; then
  ok "qemu-aarch64-static present"
elif apt_install qemu-user-static && command -v qemu-aarch64-static >/dev/null; then
  ok "qemu-user-static installed"
else
  unavailable "qemu-aarch64-static" "apt-get install qemu-user-static failed"
fi

libc_arm64_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' libc6:arm64 2>/dev/null || true) == installed ]]
}
if libc_arm64_installed; then
  ok "libc6:arm64 present"
else
  if [[ $(id -u) -eq 0 ]] && command -v dpkg >/dev/null &&
    ! dpkg --print-foreign-architectures | grep -qx arm64; then
    say "# dpkg --add-architecture arm64"
    dpkg --add-architecture arm64
    APT_UPDATED=false
  fi
  if apt_install libc6:arm64 && libc_arm64_installed; then
    ok "libc6:arm64 installed"
  else
    unavailable "libc6:arm64" "dpkg --add-architecture arm64 && apt-get install libc6:arm64 failed"
  fi
fi

if command -v sqlite3 >/dev/null; then
  ok "sqlite3 present"
elif apt_install sqlite3 && command -v sqlite3 >/dev/null; then
  ok "sqlite3 installed"
else
  unavailable "sqlite3" "apt-get install sqlite3 failed"
fi

# No network: a new network namespace (as root), or a user namespace mapped to root.
if unshare -n true 2>/dev/null; then
  NO_NET=(unshare -n)
elif unshare -rn true 2>/dev/null; then
  NO_NET=(unshare -rn)
else
  unavailable "unshare -n (network namespace)" "not permitted here"
fi

ARM_DENO=$TOOLS/deno-$DENO_VERSION-aarch64/deno
if [[ -x $ARM_DENO ]]; then
  ok "ARM64 Deno $DENO_VERSION cached ($ARM_DENO)"
else
  command -v npm >/dev/null || unavailable "npm" "needed to fetch @deno/linux-arm64-glibc"
  say "# installing @deno/linux-arm64-glibc@$DENO_VERSION (npm pack) into $TOOLS"
  mkdir -p "$WORK/npm" "$(dirname "$ARM_DENO")"
  if ! (cd "$WORK/npm" && npm pack "@deno/linux-arm64-glibc@$DENO_VERSION" --silent) \
    >>"$WORK/install.log" 2>&1; then
    unavailable "ARM64 Deno" "npm pack @deno/linux-arm64-glibc@$DENO_VERSION failed"
  fi
  tar -xzf "$WORK"/npm/deno-linux-arm64-glibc-*.tgz -C "$WORK/npm" package/deno ||
    fail "ARM64 Deno installed" "package/deno not found in the npm package"
  [[ $(elf_machine "$WORK/npm/package/deno") == "b7 00" ]] ||
    fail "ARM64 Deno installed" "package/deno is not an aarch64 ELF executable"
  install -m 0755 "$WORK/npm/package/deno" "$ARM_DENO.partial"
  mv -f "$ARM_DENO.partial" "$ARM_DENO"
  ok "ARM64 Deno $DENO_VERSION installed ($ARM_DENO)"
fi

# ---------------------------------------------------------------------------------------------
# Step runner: step NAME WANT_EXIT PATTERN -- COMMAND...; PATTERN (grep -E, "" for none) must
# match stdout or stderr.
OUT=$WORK/stdout
ERR=$WORK/stderr
step() {
  local name=$1 want=$2 pattern=$3 rc=0
  shift 4
  "$@" >"$OUT" 2>"$ERR" </dev/null || rc=$?
  if [[ $rc -ne $want ]]; then
    local why="exit code $rc, expected $want"
    [[ $rc -eq 124 || $rc -eq 137 ]] && why="$why (timed out after ${STEP_TIMEOUT}s)"
    fail "$name" "$why" "$OUT" "$ERR"
  fi
  # grep reads the files itself: `cat | grep -q` fails under pipefail when grep stops early.
  if [[ -n $pattern ]] && ! grep -Eq -- "$pattern" "$OUT" "$ERR"; then
    fail "$name" "output does not match /$pattern/" "$OUT" "$ERR"
  fi
  ok "$name"
}

step "ARM64 Deno runs under qemu" 0 "aarch64-unknown-linux-gnu" -- \
  timeout -k 10 "$STEP_TIMEOUT" qemu-aarch64-static "$ARM_DENO" --version

# ---------------------------------------------------------------------------------------------
# 2. The bundle
bundle() { (cd "$ROOT" && deno task bundle); }
step "deno task bundle" 0 "" -- bundle
BUNDLE=$ROOT/dist/piwardrive.js
[[ -s $BUNDLE ]] || fail "dist/piwardrive.js exists" "deno task bundle made no $BUNDLE"

VERSION=$(deno eval --quiet 'console.log(JSON.parse(Deno.readTextFileSync(Deno.args[0])).version)' \
  "$ROOT/deno.json")
FLAGS_TEXT=$(deno run --quiet --allow-read="$ROOT" "$ROOT/scripts/release/compile.ts" --print-start-flags) ||
  fail "start task permissions" "scripts/release/compile.ts --print-start-flags failed"
mapfile -t PERMS <<<"$FLAGS_TEXT"
for flag in "${PERMS[@]}"; do
  case $flag in
    # --allow-net is given up at start by every command but the network ones, which narrow it
    # to their hosts in a worker (src/cli/network.ts); a host list would be no narrower.
    --allow-all | --allow-net=* | --allow-ffi* | --allow-run)
      fail "start task permissions" "refusing $flag" ;;
  esac
done
ok "start task permissions: ${PERMS[*]}"

# ---------------------------------------------------------------------------------------------
# 3. Run ONLY the bundle, alone, offline, on ARM64
RUN=$WORK/run
mkdir "$RUN"
cp "$BUNDLE" "$RUN/piwardrive.js"
DB=$RUN/p.db

# on_arm ARGS...: the bundle on the ARM64 Deno under qemu, no network, private empty DENO_DIR.
on_arm() {
  (cd "$RUN" && DENO_DIR=$WORK/deno-dir-arm NO_COLOR=1 timeout -k 10 "$STEP_TIMEOUT" \
    "${NO_NET[@]}" qemu-aarch64-static "$ARM_DENO" run --no-config "${PERMS[@]}" piwardrive.js "$@")
}
# on_x86 ARGS...: the same on this machine's Deno.
on_x86() {
  (cd "$RUN" && DENO_DIR=$WORK/deno-dir-x86 NO_COLOR=1 timeout -k 10 "$STEP_TIMEOUT" \
    "${NO_NET[@]}" deno run --no-config "${PERMS[@]}" piwardrive.js "$@")
}

step "--version prints $VERSION" 0 "^${VERSION//./\\.}\$" -- on_arm --version
step "migrate (new database)" 0 "" -- on_arm --db "$DB" migrate
step "migrate --verify" 0 "Verification passed" -- on_arm --db "$DB" migrate --verify

LEDGER_SQL="SELECT checksum FROM schema_version WHERE version = 2"
ORIGINAL=$(sqlite3 "$DB" "$LEDGER_SQL")
[[ $ORIGINAL =~ ^sha256:[0-9a-f]{64}$ ]] ||
  fail "read the checksum of version 2" "unexpected ledger checksum '$ORIGINAL'"
step "alter the ledger checksum of version 2 (sqlite3)" 0 "" -- sqlite3 "$DB" \
  "UPDATE schema_version SET checksum = substr(checksum, 1, 70) ||
     CASE WHEN substr(checksum, -1) = '0' THEN '1' ELSE '0' END WHERE version = 2"
[[ $(sqlite3 "$DB" "$LEDGER_SQL") != "$ORIGINAL" ]] ||
  fail "alter the ledger checksum of version 2 (sqlite3)" "the checksum did not change"
step "migrate --verify exits 3 and names version 0002" 3 "0002|version 2\\b" -- \
  on_arm --db "$DB" migrate --verify
step "restore the checksum (sqlite3)" 0 "" -- sqlite3 "$DB" \
  "UPDATE schema_version SET checksum = '$ORIGINAL' WHERE version = 2"
step "db check" 0 "" -- on_arm --db "$DB" db check

step "collect --demo (the sample drive built into the bundle)" 0 "" -- \
  on_arm --db "$DB" collect --demo --quiet
ROWS=$(sqlite3 "$DB" "SELECT count(*) FROM wifi_networks")
[[ $ROWS -gt 0 ]] || fail "collect --demo: rows in wifi_networks" "wifi_networks is empty"
ok "collect --demo: $ROWS rows in wifi_networks"
step "migrate --verify after collect" 0 "" -- on_arm --db "$DB" migrate --verify

step "export --format wigle -o - (WigleWifi-1.6 pre-header)" 0 "^WigleWifi-1\\.6" -- \
  on_arm --db "$DB" export --format wigle -o -

# The PostgreSQL client (npm `postgres`) loads and runs on ARM64: a sync to a loopback port
# nobody listens on (offline: loopback is down or refuses) ends with sync's one line, exit 6.
step "sync (PostgreSQL client loads): unreachable server, exit 6" 6 \
  "^piwardrive: Cannot reach PostgreSQL at 127\\.0\\.0\\.1:9: " -- \
  on_arm --db "$DB" sync --to postgres://pi@127.0.0.1:9/drives

# ---------------------------------------------------------------------------------------------
# 4. Size and cold-start times: a new process with an empty DENO_DIR every run.

# mean_ms RUNS DENO_DIR COMMAND...: prints the mean wall time in ms (hyperfine when present).
mean_ms() {
  local runs=$1 deno_dir=$2 i start total=0
  shift 2
  if command -v hyperfine >/dev/null; then
    local line
    line=$(printf '%q ' "$@")
    (cd "$RUN" && DENO_DIR=$deno_dir NO_COLOR=1 hyperfine -N --style none --runs "$runs" \
      --prepare "rm -rf $(printf '%q' "$deno_dir")" --export-csv "$WORK/bench.csv" -- "$line") \
      >"$OUT" 2>"$ERR" </dev/null || return 1
    awk -F, 'NR == 2 { printf "%.0f", $(NF - 6) * 1000 }' "$WORK/bench.csv"
  else
    for ((i = 0; i < runs; i++)); do
      rm -rf -- "$deno_dir"
      start=$(date +%s%N)
      (cd "$RUN" && DENO_DIR=$deno_dir "$@") >"$OUT" 2>"$ERR" </dev/null || return 1
      total=$((total + $(date +%s%N) - start))
    done
    printf '%d' $((total / runs / 1000000))
  fi
}

ARM_RUN=(timeout -k 10 "$STEP_TIMEOUT" "${NO_NET[@]}" qemu-aarch64-static "$ARM_DENO" run
  --no-config "${PERMS[@]}" piwardrive.js)
X86_RUN=(timeout -k 10 "$STEP_TIMEOUT" "${NO_NET[@]}" "$(command -v deno)" run
  --no-config "${PERMS[@]}" piwardrive.js)
declare -A MS
for name in version verify; do
  if [[ $name == version ]]; then args=(--version); else args=(--db "$DB" migrate --verify); fi
  MS[x86_$name]=$(mean_ms "$RUNS_X86" "$WORK/deno-dir-bench" "${X86_RUN[@]}" "${args[@]}") ||
    fail "timing ${args[*]} on x86_64" "the timed command failed" "$OUT" "$ERR"
  MS[arm_$name]=$(mean_ms "$RUNS_QEMU" "$WORK/deno-dir-bench" "${ARM_RUN[@]}" "${args[@]}") ||
    fail "timing ${args[*]} under qemu" "the timed command failed" "$OUT" "$ERR"
done
ok "cold-start timings"

SIZE=$(stat -c %s "$BUNDLE")
say ""
say "bundle dist/piwardrive.js: $SIZE bytes ($(((SIZE + 512) / 1024)) KiB), piwardrive $VERSION, Deno $DENO_VERSION"
say "cold start (new process, empty DENO_DIR, no network), mean of $RUNS_X86 x86_64 / $RUNS_QEMU qemu runs:"
printf '  %-18s %10s %16s %7s\n' "command" "x86_64" "aarch64 (qemu)" "ratio"
for name in version verify; do
  label="--version"
  [[ $name == verify ]] && label="migrate --verify"
  x=${MS[x86_$name]} a=${MS[arm_$name]}
  printf '  %-18s %7s ms %13s ms %6sx\n' "$label" "$x" "$a" \
    "$(awk -v a="$a" -v x="$x" 'BEGIN { printf "%.1f", (x > 0 ? a / x : 0) }')"
done
summary 0
