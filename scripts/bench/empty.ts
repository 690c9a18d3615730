// Intentionally empty: `deno run` of this file is the floor the `verify` and `collect-rss` rows
// compare piwardrive's process against (same folder, so the same deno.json and lockfile apply).
