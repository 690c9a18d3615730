/**
 * A WiGLE stand-in for the `upload` bench, run as its own process (the bench holds no net
 * permission): takes every upload, gunzips it as it arrives and counts its data rows, answers
 * with a transId, and writes "ROWS FILES" to the file named by its argument after each. Prints
 * its port on stdout.
 */
const [countFile] = Deno.args;
let rows = 0;
let files = 0;
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
  if (new URL(req.url).pathname === "/api/v2/file/transactions") {
    return Response.json({ success: true, results: [] });
  }
  const file = (await req.formData()).get("file") as File;
  let lines = 0;
  for await (const chunk of file.stream().pipeThrough(new DecompressionStream("gzip"))) {
    for (const byte of chunk) if (byte === 10) lines++;
  }
  rows += lines - 2; // the pre-header and the column header
  files++;
  Deno.writeTextFileSync(countFile, `${rows} ${files}`);
  return Response.json({
    success: true,
    results: { transids: [{ file: file.name, size: file.size, transId: `bench-${files}` }] },
  });
});
console.log((server.addr as Deno.NetAddr).port);
