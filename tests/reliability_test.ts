/**
 * The reliability scenarios at reduced counts (the full counts run in `deno task reliability`):
 * every scenario must end with no failure and no row lost.
 */
import assert from "node:assert/strict";
import { SCENARIOS } from "../scripts/reliability/main.ts";

for (const [name, scenario] of Object.entries(SCENARIOS)) {
  Deno.test(`reliability: ${name}`, async () => {
    const result = await scenario.quick();
    assert.ok(result.trials > 0, `${name}: no trial ran`);
    assert.deepEqual(
      {
        failures: result.failures,
        rowsLost: result.rowsLost,
        notes: result.failures ? result.notes : [],
      },
      { failures: 0, rowsLost: 0, notes: [] },
    );
  });
}
