/** `piwardrive report` and `piwardrive serve`: a drive as pictures (map, charts, summary). */
export {
  CLASSES,
  ensureReportSchema,
  type PagePoint,
  type ReportFigures,
  ReportReader,
} from "./data.ts";
export { contentSecurityPolicy, reportPage, scriptJson, TILE_URL } from "./html.ts";
export { LiveFeed, type LiveTick } from "./live.ts";
