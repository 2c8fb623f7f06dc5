import {
  LinkState,
  LinkState6,
  Operation,
  parseTopic,
  RouteChange,
  RouterState,
  SupervisorState,
} from "@wanpilot/common";
import type { Lab, LabProcess } from "@wanpilot/lab";
import { scriptPath } from "../paths.js";

export type BusEvent =
  | { kind: "linkState"; t: number; link: string; state: LinkState }
  | { kind: "linkState6"; t: number; link: string; state: LinkState6 }
  | { kind: "routerState"; t: number; state: RouterState }
  | { kind: "routeChange"; t: number; change: RouteChange }
  | { kind: "supervisorState"; t: number; state: SupervisorState }
  | { kind: "linkCommand"; t: number; link: string }
  | { kind: "operation"; t: number; op: Operation };

/** A bus-tap line → a typed event (only the kinds the bench reads); undefined for anything else. */
export function parseTapLine(line: string): BusEvent | undefined {
  let raw: { t?: unknown; topic?: unknown; payload?: unknown };
  try {
    raw = JSON.parse(line) as typeof raw;
  } catch {
    return undefined;
  }
  if (typeof raw.t !== "number" || typeof raw.topic !== "string") return undefined;
  const topic = parseTopic(raw.topic);
  const t = raw.t;
  switch (topic?.kind) {
    case "linkState": {
      const p = LinkState.safeParse(raw.payload);
      return p.success && topic.link !== undefined
        ? { kind: "linkState", t, link: topic.link, state: p.data }
        : undefined;
    }
    case "linkState6": {
      const p = LinkState6.safeParse(raw.payload);
      return p.success && topic.link !== undefined
        ? { kind: "linkState6", t, link: topic.link, state: p.data }
        : undefined;
    }
    case "routerState": {
      const p = RouterState.safeParse(raw.payload);
      return p.success ? { kind: "routerState", t, state: p.data } : undefined;
    }
    case "routerEvent": {
      const p = RouteChange.safeParse(raw.payload);
      return p.success ? { kind: "routeChange", t, change: p.data } : undefined;
    }
    case "supervisorState": {
      const p = SupervisorState.safeParse(raw.payload);
      return p.success ? { kind: "supervisorState", t, state: p.data } : undefined;
    }
    case "linkCommand":
      return topic.link === undefined ? undefined : { kind: "linkCommand", t, link: topic.link };
    case "operations": {
      const p = Operation.safeParse(raw.payload);
      return p.success ? { kind: "operation", t, op: p.data } : undefined;
    }
    default:
      return undefined;
  }
}

export type Family = "ipv4" | "ipv6";
const KIND = { ipv4: "linkState", ipv6: "linkState6" } as const;

/** Everything a deployment publishes, as seen from inside its gateway namespace. */
export class BusTap {
  readonly events: BusEvent[] = [];
  private readonly proc: LabProcess;

  /** `commands`: also the operators' link commands and their results (the live scenario's). */
  constructor(lab: Lab, url: string, gateway: string, opts: { commands?: boolean } = {}) {
    const argv = [process.execPath, scriptPath("scripts/bus-tap.js"), url, gateway];
    this.proc = lab.spawn(lab.ns.gw, opts.commands === true ? [...argv, "commands"] : argv, {
      timeoutMs: 0,
      onLine: (line, stream) => {
        if (stream !== "stdout") return;
        const e = parseTapLine(line);
        if (e !== undefined) this.events.push(e);
      },
    });
  }

  /** The latest retained state of each link (of its IPv6 with `family: "ipv6"`). */
  links(family: Family = "ipv4"): Map<string, LinkState> {
    const m = new Map<string, LinkState>();
    for (const e of this.events) if (e.kind === KIND[family]) m.set(e.link, e.state);
    return m;
  }

  router(): RouterState | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i];
      if (e?.kind === "routerState") return e.state;
    }
    return undefined;
  }

  supervisor(): SupervisorState | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i];
      if (e?.kind === "supervisorState") return e.state;
    }
    return undefined;
  }

  /** Every link up and every link active in the router's default route (of that family). */
  healthy(links: readonly string[], family: Family = "ipv4"): boolean {
    const states = this.links(family);
    const router = this.router();
    const routed = family === "ipv4" ? router?.links : router?.ipv6?.links;
    return links.every(
      (l) => states.get(l)?.state === "up" && routed?.find((r) => r.link === l)?.active === true,
    );
  }

  /** The `since` (epoch ms) of the first state `state` of `link` that began at or after `after`. */
  transition(
    link: string,
    state: LinkState["state"],
    after: number,
    family: Family = "ipv4",
  ): number | undefined {
    for (const e of this.events) {
      if (e.kind !== KIND[family] || e.link !== link || e.state.state !== state) continue;
      const since = Date.parse(e.state.since);
      if (since >= after) return since;
    }
    return undefined;
  }

  /** Distinct transitions to `state` (by link and `since`) that began in [from, to) (epoch ms). */
  transitionsBetween(
    state: LinkState["state"],
    from: number,
    to: number,
  ): Array<{ link: string; since: number; cause: string }> {
    const seen = new Map<string, { link: string; since: number; cause: string }>();
    for (const e of this.events) {
      if (e.kind !== "linkState" || e.state.state !== state) continue;
      const since = Date.parse(e.state.since);
      if (since >= from && since < to)
        seen.set(`${e.link}@${since}`, { link: e.link, since, cause: e.state.cause });
    }
    return [...seen.values()];
  }

  /** When the tap received that transition's message (epoch ms): what the router reacts to. */
  transitionMessage(
    link: string,
    state: LinkState["state"],
    after: number,
    family: Family = "ipv4",
  ): number | undefined {
    for (const e of this.events) {
      if (e.kind !== KIND[family] || e.link !== link || e.state.state !== state) continue;
      if (Date.parse(e.state.since) >= after) return e.t;
    }
    return undefined;
  }

  /** The router's first kernel change at or after `after`: RouteChange.at, else RouterState.lastChange.at. */
  routeChange(after: number): number | undefined {
    for (const e of this.events) {
      const at =
        e.kind === "routeChange"
          ? Date.parse(e.change.at)
          : e.kind === "routerState" && e.state.lastChange !== null
            ? Date.parse(e.state.lastChange.at)
            : undefined;
      if (at !== undefined && at >= after) return at;
    }
    return undefined;
  }

  /** When the tap received the first link command, or the first command's result, at or after `after`. */
  commandAt(kind: "linkCommand" | "operation", after: number): number | undefined {
    return this.events.find((e) => e.kind === kind && e.t >= after)?.t;
  }

  stop(): Promise<void> {
    return this.proc.stop(1000).then(() => undefined);
  }
}
