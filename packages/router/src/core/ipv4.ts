/** IPv4 arithmetic for the router's core (addresses as dotted quads, prefixes as lengths). */
export function ipv4ToNumber(address: string): number {
  return address.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** The network of `address/prefixLength`, as a prefix ("198.18.1.0/24"). */
export function network(address: string, prefixLength: number): string {
  const n = ipv4ToNumber(address);
  const size = 2 ** (32 - prefixLength);
  return `${numberToIpv4(n - (n % size))}/${prefixLength}`;
}

/** Whether `address` lies in the network of `local/prefixLength`. */
export function sameNetwork(address: string, local: string, prefixLength: number): boolean {
  return network(address, prefixLength) === network(local, prefixLength);
}
