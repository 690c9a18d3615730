/**
 * The report page, written as a stream of chunks: one HTML file holding Leaflet, the page's
 * script and the data, with nothing to fetch. Data is never markup: it travels as JSON inside
 * `<script type="application/json">` elements (with `<` escaped, so no value can close the
 * element), and the page puts it into the document with `textContent` only. The CSP allows just
 * the page's own two scripts, by their hashes; a script anywhere else (an injected one, an
 * `onerror=` attribute) does not run.
 */
import { createHash } from "node:crypto";
import { LEAFLET_CSS, LEAFLET_JS, PAGE_JS } from "./assets.ts";

/** Where map tiles come from, when the viewer asks for them (the page's "Map tiles" button). */
export const TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const TILE_ORIGIN = "https://tile.openstreetmap.org";

/** JSON that can sit inside a `<script>` element: `<` never appears as such. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** Text for HTML content (the title). */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
}

/** The Content-Security-Policy of the page; `connect` adds what a live page may connect to. */
export function contentSecurityPolicy(connect: "'self'" | null): string {
  return [
    "default-src 'none'",
    `script-src ${sha256(LEAFLET_JS)} ${sha256(PAGE_JS)}`,
    // Leaflet positions every pane and marker with inline styles.
    "style-src 'unsafe-inline'",
    // Tiles, only once the viewer asks for them; data: for nothing but Leaflet's blank tile.
    `img-src data: ${TILE_ORIGIN}`,
    ...(connect === null ? [] : [`connect-src ${connect}`]),
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/** What the page shows besides the streamed points and track. */
export interface PageOptions {
  title: string;
  /** For `serve`: where the page's EventSource connects. */
  live?: { events: string };
}

/**
 * The page in chunks: `points` and `track` are drained as they come (one JSON row each), then
 * `figures()` is called, once both are done, for what was counted on the way.
 */
export function* reportPage(
  options: PageOptions,
  points: Iterable<unknown>,
  track: Iterable<unknown>,
  figures: () => unknown,
): Generator<string> {
  const csp = contentSecurityPolicy(options.live ? "'self'" : null);
  yield `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(options.title)}</title>
<style>${LEAFLET_CSS}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(options.title)}</h1>
<button id="pw-tiles" type="button" title="Load map tiles from ${TILE_ORIGIN} (needs the Internet)">Map tiles</button></header>
<section id="pw-live" hidden><h2>Live</h2><dl id="pw-counters"></dl><p id="pw-fix"></p><ul id="pw-warnings"></ul><h3>Last tick</h3><ul id="pw-last-tick"></ul></section>
<section id="pw-summary"><h2>Drive</h2><dl id="pw-summary-list"></dl></section>
<div id="map" role="application" aria-label="Map of the drive"></div>
<div id="pw-legend"></div>
<h2 class="pw-charts-title">Charts</h2><section id="pw-charts"></section>
<script type="application/json" id="pw-points">[`;
  let first = true;
  for (const p of points) {
    yield first ? `\n${scriptJson(p)}` : `,\n${scriptJson(p)}`;
    first = false;
  }
  yield `]</script>\n<script type="application/json" id="pw-track">[`;
  first = true;
  for (const t of track) {
    yield first ? scriptJson(t) : `,${scriptJson(t)}`;
    first = false;
  }
  yield `]</script>\n<script type="application/json" id="pw-figures">${
    scriptJson(figures())
  }</script>
<script type="application/json" id="pw-options">${
    scriptJson({ live: options.live ?? null, tiles: TILE_URL })
  }</script>
<script>${LEAFLET_JS}</script>
<script>${PAGE_JS}</script>
</body>
</html>
`;
}

const PAGE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { display: flex; align-items: center; gap: 1em; padding: .5em 1em; background: #24364b; color: #fff; }
header h1 { font-size: 1.2em; margin: 0; flex: 1; }
section { padding: .5em 1em; }
h2 { font-size: 1.1em; margin: .3em 0; } .pw-charts-title { padding: 0 .9em; }
dl { display: grid; grid-template-columns: repeat(auto-fill, minmax(11em, 1fr)); gap: .3em 1em; margin: 0; }
dl div { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: .3em .6em; }
dt { font-size: .85em; color: #666; } dd { margin: 0; font-size: 1.2em; font-weight: 600; }
#map { height: 60vh; margin: 0 1em; border: 1px solid #bbb;
  background-color: #eef2f5; }
.pw-cluster div { background: rgba(36, 54, 75, .85); color: #fff; border-radius: 50%; width: 100%;
  height: 100%; display: flex; align-items: center; justify-content: center; font-weight: 600; font-size: 12px; }
.pw-grid-label { color: #789; font-size: 11px; white-space: nowrap; }
#pw-legend { padding: .3em 1em; display: flex; gap: 1em; flex-wrap: wrap; }
#pw-legend span::before { content: ""; display: inline-block; width: .8em; height: .8em;
  border-radius: 50%; margin-right: .3em; background: var(--c); }
#pw-charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 1em; }
figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: .5em; }
figcaption { font-weight: 600; margin-bottom: .3em; }
svg text { font-size: 10px; fill: #444; }
.pw-popup dt { display: inline; } .pw-popup dd { display: inline; font-size: 1em; font-weight: 400; margin-left: .3em; }
.pw-popup div { border: 0; padding: 0; }
#pw-warnings li { color: #a40; }
`;
