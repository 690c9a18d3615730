#!/usr/bin/env bash
# `deno task mutants [target…]`: mutation testing of the checks with Stryker (npm), outside CI's
# time budget like the bench. Stryker is installed on demand into scripts/mutants/node_modules
# (gitignored, never a dependency of the product) and run once per target of
# scripts/mutants/stryker.config.mjs (default: all), one mutant at a time.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x scripts/mutants/node_modules/.bin/stryker ]; then
  echo "== installing Stryker into scripts/mutants/node_modules"
  npm ci --prefix scripts/mutants --no-audit --no-fund --loglevel=error
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(checksum verify schema normalise integrity backup)
for target in "${targets[@]}"; do
  echo "== mutants: ${target}"
  # Stryker runs the tests in a copy of the project, .stryker-tmp/<target>/sandbox-…/: the
  # project's ../shared must resolve from there as well.
  mkdir -p ".stryker-tmp/${target}"
  if [ -d ../shared ]; then ln -sfn "$(cd ../shared && pwd)" ".stryker-tmp/${target}/shared"; fi
  MUTANTS_TARGET="$target" scripts/mutants/node_modules/.bin/stryker run \
    scripts/mutants/stryker.config.mjs
done
