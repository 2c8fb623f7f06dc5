import * as z from "zod";

/** IPv4 dotted quad, each octet 0..255, no leading zeros (which `ip` would read as octal on some tools). */
export function isIpv4(value: string): boolean {
  const parts = value.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIpv6(value: string): boolean {
  return z.ipv6().safeParse(value).success;
}

/** "198.51.100.0/24" (IPv4 prefix, host bits zero) or a bare IPv4 address (= /32). */
export function isIpv4Prefix(value: string): boolean {
  const [addr, len, ...rest] = value.split("/");
  if (rest.length > 0 || addr === undefined || !isIpv4(addr)) return false;
  if (len === undefined) return true;
  if (!/^\d{1,2}$/.test(len) || Number(len) > 32) return false;
  const hostBits = 32 - Number(len);
  return hostBits === 0 || ipv4ToNumber(addr) % 2 ** hostBits === 0;
}

// IPv4 arithmetic on valid dotted quads (checked by the schema first), as unsigned numbers.

export function ipv4ToNumber(address: string): number {
  return address.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** The network of `address/prefixLength`, as a prefix ("198.18.1.0/24"). */
export function ipv4Network(address: string, prefixLength: number): string {
  const n = ipv4ToNumber(address);
  const size = 2 ** (32 - prefixLength);
  return `${numberToIpv4(n - (n % size))}/${prefixLength}`;
}

/** Whether `address` lies in `prefix` ("198.51.100.0/24"; a bare address is a /32). */
export function inIpv4Prefix(address: string, prefix: string): boolean {
  const [net = "", len = "32"] = prefix.split("/");
  const size = 2 ** (32 - Number(len));
  return Math.floor(ipv4ToNumber(address) / size) === Math.floor(ipv4ToNumber(net) / size);
}

// The kernel refuses names over 15 bytes and names with '/', ':' or white space; a leading '-'
// would read as an option to `ip`, so wanpilot refuses that too.
const IFNAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

export const InterfaceName = z.string().superRefine((v, ctx) => {
  if (v.length > 15)
    ctx.addIssue({
      code: "custom",
      message: `"${v}" is longer than the kernel's 15-character limit for interface names`,
    });
  else if (!IFNAME_RE.test(v) || v === "." || v === "..")
    ctx.addIssue({
      code: "custom",
      message: `"${v}" is not a valid interface name (letters, digits, _ . - ; not starting with - or .)`,
    });
});

export const Ipv4Address = z
  .string()
  .refine(isIpv4, { error: (i) => `${JSON.stringify(i.input)} is not an IPv4 address` });

export const Ipv4Prefix = z.string().refine(isIpv4Prefix, {
  error: (i) => `${JSON.stringify(i.input)} is not an IPv4 prefix (like 198.51.100.0/24, host bits zero)`,
});

/** host:port, for listeners. */
export const ListenAddress = z.string().superRefine((v, ctx) => {
  const m = /^(.*):(\d{1,5})$/.exec(v);
  const host = m?.[1]?.replace(/^\[(.*)\]$/, "$1");
  const port = Number(m?.[2]);
  if (
    m === null ||
    host === undefined ||
    !(isIpv4(host) || isIpv6(host) || host === "localhost") ||
    port < 1 ||
    port > 65535
  )
    ctx.addIssue({ code: "custom", message: `"${v}" is not host:port (try 127.0.0.1:1883)` });
});

export function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(":");
  return { host: listen.slice(0, i).replace(/^\[(.*)\]$/, "$1"), port: Number(listen.slice(i + 1)) };
}

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}
