/**
 * The benchmark's sections, in the order they run and print. To add a row (planned: `export`,
 * the WiGLE export of 1M sightings vs `sqlite3 -csv`; `oui-backfill`, an UPDATE of 1M rows
 * through a SQL function vs the same UPDATE with a constant):
 *
 * 1. write `scripts/bench/<name>.ts` exporting a {@link Section}: a `name` for `--only`, a
 *    one-line `description`, and `run(ctx)` returning its rows (each with a `target`, or null
 *    for a figure that is only informative);
 * 2. build inputs through `ctx.fixture(key, build)` so sections share them (the 1M-row
 *    databases are in `fixtures.ts`: `wifiV3`, `wifiLatest`, `emptyLatest`), sizes through
 *    `ctx.size(full, quick)`, files under `ctx.path(name)`, children through `ctx.run` /
 *    `ctx.spawn` (ended if the run is interrupted);
 * 3. add it to `SECTIONS` below and a paragraph to `README.md`.
 *
 * @module
 */
import type { Section } from "./lib.ts";
import { rebuildSection } from "./rebuild.ts";
import { verifySection } from "./verify.ts";
import { iwParseSection } from "./iw_parse.ts";
import { ingestSection } from "./ingest.ts";
import { collectRssSection } from "./collect_rss.ts";
import { exportSection } from "./export.ts";
import { ouiBackfillSection } from "./oui_backfill.ts";
import { kismetImportSection } from "./kismet_import.ts";
import { uploadSection } from "./upload.ts";
import { syncSection } from "./sync.ts";
import { reportSection, serveSection } from "./report.ts";

export const SECTIONS: readonly Section[] = [
  rebuildSection,
  verifySection,
  iwParseSection,
  ingestSection,
  collectRssSection,
  exportSection,
  ouiBackfillSection,
  kismetImportSection,
  uploadSection,
  syncSection,
  reportSection,
  serveSection,
];
