/** How a script's entry point ends: its exit code, or its error's message on one line and 1. */
export async function runMain(main: (args: string[]) => Promise<number> | number): Promise<never> {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(1);
  }
}
