import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import type { PartKind } from "./core/part-argv.js";
import type { Output } from "./output.js";

interface ConfigOpt {
  config?: string;
}

const configOption = () =>
  new Option("-c, --config <path>", "config file (default: $WANPILOT_CONFIG or /etc/wanpilot/wanpilot.yaml)");

/**
 * Builds the command tree; each action stores its exit code in `result`. Commands are imported when
 * run, so a part starts without loading what it does not use (a restarted prober comes back sooner).
 */
export function buildProgram(out: Output, result: { code: Promise<number> | number }): Command {
  const program = new Command("wanpilot")
    .enablePositionalOptions()
    .description("Multi-WAN load balancing and failover for Linux gateways")
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.out(s.trimEnd()), writeErr: (s) => out.err(s.trimEnd()) })
    .showHelpAfterError("(run wanpilot --help for the commands)")
    .version(version(), "-V, --version", "print the version");
  const set = (p: Promise<number> | number) => {
    result.code = p;
  };
  program
    .command("check-config")
    .description("validate the config file and print what would be set up")
    .addOption(configOption())
    .action((o: ConfigOpt) => set(import("./commands/check-config.js").then((m) => m.checkConfig(out, o))));
  program
    .command("start")
    .description("run everything in the foreground: broker, one prober per link, router, logger")
    .addOption(configOption())
    .action((o: ConfigOpt) => set(import("./commands/start.js").then((m) => m.runStart(out, o))));
  program
    .command("broker")
    .description("run the embedded MQTT broker alone")
    .addOption(configOption())
    .action((o: ConfigOpt) => set(import("./commands/broker.js").then((m) => m.runBroker(out, o))));
  program
    .command("broker-config")
    .description(
      "write the password and ACL files of an external Mosquitto (bus.url) and each part's password",
    )
    .requiredOption("--mosquitto <dir>", "where to write passwd, acl and wanpilot.conf")
    .addOption(configOption())
    .action((o: ConfigOpt & { mosquitto: string }) =>
      set(import("./commands/broker-config.js").then((m) => m.runBrokerConfig(out, o))),
    );
  program
    .command("prober")
    .description("run the prober of one link alone")
    .requiredOption("-l, --link <name>", "the link to probe (a links[].name)")
    .addOption(configOption())
    .action((o: ConfigOpt & { link: string }) => set(runPartCommand(out, "prober", o)));
  for (const [name, what] of [
    ["router", "run the router alone (applies routes, rules and nftables from link states)"],
    ["logger", "run the logger alone (stores events and health in SQLite)"],
    ["observer", "run the observer alone (Home Assistant discovery and state, Prometheus /metrics)"],
    ["web", "run the web page alone (live links, quality graphs, outages; web.listen)"],
  ] as const)
    program
      .command(name)
      .description(what)
      .addOption(configOption())
      .action((o: ConfigOpt) => set(runPartCommand(out, name, o)));
  program
    .command("status")
    .description("show each link's state, latency, loss, weight and share of connections (from the bus)")
    .option("--json", "print JSON (one line per update with --watch)")
    .option("-w, --watch", "keep it live until Ctrl-C")
    .addOption(configOption())
    .action((o: ConfigOpt & { json?: boolean; watch?: boolean }) =>
      set(import("./commands/status.js").then((m) => m.runStatus(out, o))),
    );
  program
    .command("reload")
    .description(
      "apply the edited config file to the running wanpilot start (SIGHUP); refused whole when invalid",
    )
    .addOption(configOption())
    .action((o: ConfigOpt) => set(import("./commands/reload.js").then((m) => m.runReload(out, o))));
  program
    .command("link")
    .description(
      "list links with the operator's overrides, or change one: NAME drain|disable|enable|weight N|tier N|reset",
    )
    .argument("[name]", "the link")
    .argument("[action...]", "drain, disable, enable, weight N, tier N or reset")
    .addOption(configOption())
    .action((name: string | undefined, action: string[], o: ConfigOpt) =>
      set(import("./commands/link.js").then((m) => m.runLink(out, name, action, o))),
    );
  program
    .command("exec")
    .description("run a command whose connections leave by one link only (as `mwan3 use`), for testing it")
    .requiredOption("-l, --link <name>", "the link (a links[].name)")
    .argument("<command...>", "the command and its arguments, after --")
    .passThroughOptions()
    .addOption(configOption())
    .action((argv: string[], o: ConfigOpt & { link: string }) =>
      set(import("./commands/exec.js").then((m) => m.runExec(out, argv, o))),
    );
  program
    .command("report")
    .description(
      "availability, outages and downtime per link, from the logger's database (works with wanpilot stopped)",
    )
    .option("--since <when>", "start of the window: 7d, 24h, an ISO date (default 7d)")
    .option("--until <when>", "end of the window: now, 1h, an ISO date (default now)")
    .option("--link <name>", "only this link")
    .option("--json", "print JSON")
    .addOption(configOption())
    .action((o: { config?: string; since?: string; until?: string; link?: string; json?: boolean }) =>
      set(import("./commands/report.js").then((m) => m.runReport(out, o))),
    );
  program
    .command("explain")
    .description("which link a new flow to <destination> would take now, and why")
    .argument("<destination>", "IPv4 or IPv6 address")
    .option("--from <address>", "the LAN host it comes from")
    .option("--proto <proto>", "tcp or udp")
    .option("--dport <port>", "destination port")
    .option("--json", "print JSON")
    .addOption(configOption())
    .action(
      (
        destination: string,
        o: { config?: string; from?: string; proto?: string; dport?: string; json?: boolean },
      ) => set(import("./commands/explain.js").then((m) => m.runExplain(out, destination, o))),
    );
  program
    .command("cleanup")
    .description(
      "remove every route, rule, routing table and nftables table wanpilot owns (stop wanpilot first)",
    )
    .option("--force", "even while the router reports online")
    .addOption(configOption())
    .action((o: { config?: string; force?: boolean }) =>
      set(import("./commands/cleanup.js").then((m) => m.runCleanup(out, o))),
    );
  program
    .command("doctor")
    .description(
      "check this machine against the config (tools, kernel, routes, firewall, conflicts) and say what to fix",
    )
    .option("--json", "print JSON")
    .addOption(configOption())
    .action((o: ConfigOpt & { json?: boolean }) =>
      set(import("./commands/doctor.js").then((m) => m.runDoctor(out, o))),
    );
  program
    .command("install")
    .description(
      "install this checkout or unpacked tarball as a service: program, /usr/bin/wanpilot, user, units, config",
    )
    .option("--root <dir>", "install under this directory instead of / (nothing of the host is touched)")
    .action((o: { root?: string }) => set(import("./commands/install.js").then((m) => m.runInstall(out, o))));
  program
    .command("uninstall")
    .description(
      "stop and remove the installed service and wanpilot's routing; the config stays unless --purge",
    )
    .option("--root <dir>", "uninstall from under this directory (no service, no kernel change)")
    .option("--purge", "also remove /etc/wanpilot and /var/lib/wanpilot")
    .addOption(configOption())
    .action((o: { root?: string; purge?: boolean; config?: string }) =>
      set(import("./commands/install.js").then((m) => m.runUninstall(out, o))),
    );
  program
    .command("demo")
    .description(
      "build three simulated ISPs in network namespaces, run wanpilot over them and play an outage story",
    )
    .option("--fast", "a short story (under a minute)")
    .option("--keep", "leave the lab running at the end (Ctrl-C removes it)")
    .action((o: { fast?: boolean; keep?: boolean }) =>
      set(import("./demo/run.js").then((m) => m.runDemo(out, o))),
    );
  return program;
}

/** The version of the installed wanpilot (the CLI package's), one level up from src/ and dist/. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version?: string;
  };
  return pkg.version ?? "unknown";
}

/** A part run from the command line: its package imported when it starts. */
const runPartCommand = (out: Output, kind: PartKind, o: { config?: string; link?: string }) =>
  import("./services.js").then((m) => m.runPartCommand(out, kind, o));

/** Runs the command line through commander; resolves to the exit code. */
export async function runProgram(argv: string[], out: Output): Promise<number> {
  const result: { code: Promise<number> | number } = { code: 0 };
  const program = buildProgram(out, result);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err: unknown) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  return await result.code;
}
