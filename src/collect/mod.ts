/**
 * The collect job: the loop that ticks every interval, the observations a tick makes (positions
 * only from a fresh 2D/3D fix), the one-transaction store of a tick, and replays of recorded
 * tool output.
 */
export { type CollectOptions, runCollect, type TickReport } from "./loop.ts";
export { loadReplayDir, type ReplayDrive, type ReplayTick } from "./replay.ts";
export { type TickCounts, TickWriter } from "./store.ts";
