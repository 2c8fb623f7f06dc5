/** IPv6 arithmetic: addresses as the kernel prints them (RFC 5952), prefixes as lengths. No I/O. */

function groups(address: string): number[] | null {
  const [head = "", tail, ...rest] = address.toLowerCase().split("::");
  if (rest.length > 0) return null;
  const part = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const a = part(head);
  const b = tail === undefined ? [] : part(tail);
  const fill = tail === undefined ? 0 : 8 - a.length - b.length;
  const all = [...a, ...Array.from({ length: fill }, () => 0), ...b];
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : null;
}

/** The kernel's spelling: lower case, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
export function canonical6(g: readonly number[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (xs: readonly number[]) => xs.map((x) => x.toString(16)).join(":");
  if (best.at < 0) return hex(g);
  return `${hex(g.slice(0, best.at))}::${hex(g.slice(best.at + best.len))}`;
}

/** The network of `address/prefixLength` ("2001:db8:1::/64"); null when `address` is not IPv6. */
export function network6(address: string, prefixLength: number): string | null {
  const g = groups(address);
  if (g === null) return null;
  const masked = g.map((x, i) => {
    const bits = Math.max(0, Math.min(16, prefixLength - 16 * i));
    return bits === 16 ? x : x & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${canonical6(masked)}/${prefixLength}`;
}

export function sameNetwork6(address: string, local: string, prefixLength: number): boolean {
  const a = network6(address, prefixLength);
  return a !== null && a === network6(local, prefixLength);
}

/** Whether `address` lies in `prefix` ("2001:db8:100::/64"; a bare address is a /128). */
export function inIpv6Prefix(address: string, prefix: string): boolean {
  const [net = "", len = "128"] = prefix.split("/");
  const a = network6(address, Number(len));
  return a !== null && a === network6(net, Number(len));
}

/** "2001:db8:100::/64" (host bits zero) or a bare IPv6 address (= /128). */
export function isIpv6Prefix(value: string): boolean {
  const [addr = "", len, ...rest] = value.split("/");
  const g = groups(addr);
  if (rest.length > 0 || g === null) return false;
  if (len === undefined) return true;
  if (!/^\d{1,3}$/.test(len) || Number(len) > 128) return false;
  return network6(addr, Number(len)) === `${canonical6(g)}/${len}`;
}
