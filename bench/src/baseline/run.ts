/**
 * The classic recipe as a running script (`node baseline/run.js '<RecipeConfig JSON>'`), meant to run
 * inside a lab's gateway namespace (lab.spawn). Prints RecipeEvent JSON lines. Exits after durationMs.
 */
import { execa } from "execa";
import {
  defaultRouteCommand,
  type LinkCounter,
  pingCommand,
  type RecipeConfig,
  type RecipeEvent,
  setupCommands,
  step,
} from "./recipe.js";

function emit(e: RecipeEvent): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

async function run(argv: readonly string[]): Promise<void> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return;
  const r = await execa(cmd, args, { timeout: 5000, reject: false });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr}`);
}

async function ping(argv: readonly string[]): Promise<boolean> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return false;
  const r = await execa(cmd, args, { timeout: 3000, reject: false });
  return r.exitCode === 0;
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "") as RecipeConfig;
  for (const c of setupCommands(cfg.links)) await run(c);
  const counters = new Map<string, LinkCounter>(cfg.links.map((l) => [l.name, { up: true, streak: 0 }]));
  const upNames = () => new Set(cfg.links.filter((l) => counters.get(l.name)?.up).map((l) => l.name));
  await run(defaultRouteCommand(cfg.links, upNames()));
  emit({ t: Date.now(), event: "started" });
  const end = Date.now() + cfg.durationMs;
  // stdin closing means our parent is gone: never outlive it.
  process.stdin.on("end", () => process.exit(0)).resume();
  for (let next = Date.now(); Date.now() < end; next += cfg.intervalMs) {
    const results = await Promise.all(cfg.links.map((l) => ping(pingCommand(l, cfg.target))));
    let changed = false;
    cfg.links.forEach((l, i) => {
      const r = step(counters.get(l.name) ?? { up: true, streak: 0 }, results[i] === true, cfg);
      counters.set(l.name, r.next);
      if (r.changed) emit({ t: Date.now(), event: "state", link: l.name, state: r.next.up ? "up" : "down" });
      changed ||= r.changed;
    });
    if (changed) {
      await run(defaultRouteCommand(cfg.links, upNames()));
      emit({ t: Date.now(), event: "route", up: [...upNames()] });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next + cfg.intervalMs - Date.now())));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    emit({ t: Date.now(), event: "error", message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  },
);
