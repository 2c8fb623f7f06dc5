import { LabError } from "./errors.js";

/** Tiny IPv4 helpers: the lab only ever uses 198.18.0.0/15 and 203.0.113.0/24. */

export function ipv4ToInt(address: string): number | undefined {
  const parts = address.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function inPrefix(address: string, network: string, prefixLength: number): boolean {
  const a = ipv4ToInt(address);
  const n = ipv4ToInt(network);
  if (a === undefined || n === undefined) return false;
  const size = 2 ** (32 - prefixLength);
  return Math.floor(a / size) === Math.floor(n / size);
}

/** Link and LAN addresses must stay inside the benchmarking range 198.18.0.0/15 (packages/lab/README.md). */
export function assertLinkAddress(address: string, what: string): void {
  if (!inPrefix(address, "198.18.0.0", 15)) {
    throw new LabError(
      "LAB_INVALID_OPTIONS",
      `${what}: "${address}" is not an IPv4 address in 198.18.0.0/15`,
    );
  }
}
