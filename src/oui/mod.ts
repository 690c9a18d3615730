/**
 * MAC address → vendor name, offline. `oui.ts` looks addresses up in `oui_table.txt`, the IEEE
 * MA-L, MA-M and MA-S registries as published in the npm package `oui-data` (version and date in
 * the table's header and in `README.md`), compacted by `scripts/generate/make_oui_table.ts` and embedded
 * as a text import, so the compiled binary needs neither the network nor a data file.
 * Randomised (locally administered) and multicast addresses have no vendor.
 */
export {
  isRandomizedMac,
  loadOuiTable,
  type OuiTableInfo,
  ouiTableInfo,
  ouiVendor,
} from "./oui.ts";
