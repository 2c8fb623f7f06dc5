/** The table wanpilot's default route lives in (the router owns it; the prober must not learn gateways from it). */
export const BALANCE_TABLE_DEFAULT = 100;

// 253..255 are the kernel's default/main/local tables.
const KERNEL_TABLES = new Set([253, 254, 255]);

/** The balance table: 100, or the first id below it (then above) that no link uses. */
export function balanceTableId(linkTables: readonly number[]): number {
  const used = new Set(linkTables);
  for (let t = BALANCE_TABLE_DEFAULT; t >= 1; t--) if (!used.has(t)) return t;
  let t = BALANCE_TABLE_DEFAULT;
  while (used.has(t) || KERNEL_TABLES.has(t)) t++;
  return t;
}
