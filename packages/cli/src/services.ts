import { type Component, componentId, WanpilotError } from "@wanpilot/common";
import type { Service, ServiceOptions } from "@wanpilot/runtime";
import type { PartKind } from "./core/part-argv.js";
import type { Output } from "./output.js";

/** A part's component (the supervisor is not one). */
export type PartComponent = Exclude<Component, { kind: "supervisor" }>;

/** A part ready to start: its package's `run`, bound to the component (the prober to its link). */
export type StartPart = (opts: ServiceOptions) => Promise<Service>;

/** How a part gets its service: imported when it runs (loadService) or built into its bundle. */
export type LoadService = (component: PartComponent) => Promise<StartPart>;

/** Loads a part's package only when that part runs; a package that cannot load (not built) is a clear error. */
export async function loadService(component: PartComponent): Promise<StartPart> {
  const loading = (name: string) => (err: unknown) => {
    throw new WanpilotError("USAGE", `cannot load ${name} for ${componentId(component)}: is it built?`, {
      cause: err,
    });
  };
  switch (component.kind) {
    case "prober": {
      const { run } = await import("@wanpilot/prober").catch(loading("@wanpilot/prober"));
      return (opts) => run({ ...opts, link: component.link });
    }
    case "router":
      return (await import("@wanpilot/router").catch(loading("@wanpilot/router"))).run;
    case "logger":
      return (await import("@wanpilot/logger").catch(loading("@wanpilot/logger"))).run;
    case "observer":
      return (await import("@wanpilot/observer").catch(loading("@wanpilot/observer"))).run;
    case "web":
      return (await import("@wanpilot/web").catch(loading("@wanpilot/web"))).run;
  }
}

/** A part run by the compiled modules (not its bundle): `commands/part.js` and its package imported when it starts. */
export async function runPartCommand(
  out: Output,
  kind: PartKind,
  opts: { config?: string; link?: string },
): Promise<number> {
  const { runPart } = await import("./commands/part.js");
  return await runPart(out, kind, opts, loadService);
}
