/**
 * What the report page carries inline: Leaflet's script and style from npm, and the page's own
 * script. Static text imports put them into the bundle and the binary; nothing is read from disk
 * or fetched at run time.
 */
import leafletScript from "leaflet/dist/leaflet.js" with { type: "text" };
import leafletStyle from "leaflet/dist/leaflet.css" with { type: "text" };
import pageScript from "./page.js" with { type: "text" };

/** Leaflet's style without its `url(images/…)` icons: the page draws its own markers, and a
 * reference would be a request the CSP blocks (and a console error) for nothing. */
export const LEAFLET_CSS: string = leafletStyle.replace(/url\([^)]*\)/g, "none");
export const LEAFLET_JS: string = leafletScript;
export const PAGE_JS: string = pageScript;
