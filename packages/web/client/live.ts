import type { LiveLink, LiveView } from "../src/core/live.js";
import { ApiError, postJson, type SessionInfo } from "./api.js";
import { duration, h, percent } from "./dom.js";

const STATE_TEXT: Record<LiveLink["state"], string> = {
  up: "up",
  degraded: "degraded",
  down: "down",
  unknown: "unknown",
};

const ADMIN_TEXT = { drain: "drained", disable: "disabled" } as const;

function overrideText(l: LiveLink): string | null {
  const o = l.override;
  if (o === null) return null;
  const parts = [
    o.admin === null ? null : ADMIN_TEXT[o.admin],
    o.weight === null ? null : `weight ${o.weight}`,
  ];
  const text = parts.filter((p) => p !== null).join(", ");
  return text === "" ? null : `operator: ${text}`;
}

function stat(label: string, value: string): HTMLElement {
  return h(
    "div",
    { class: "stat" },
    h("span", { class: "label" }, label),
    h("span", { class: "value" }, value),
  );
}

export interface ActionContext {
  session: SessionInfo;
  /** Shows the router's answer (or the refusal) to the operator. */
  notify(text: string, ok: boolean): void;
}

async function act(ctx: ActionContext, link: string, action: string, value?: number): Promise<void> {
  try {
    const op = await postJson<{ result: string; reason: string }>(
      `/api/links/${encodeURIComponent(link)}/${action}`,
      value === undefined ? {} : { value },
      ctx.session.csrf,
    );
    ctx.notify(`${link}: ${op.reason}`, true);
  } catch (err: unknown) {
    ctx.notify(`${link}: ${err instanceof ApiError ? err.message : String(err)}`, false);
  }
}

function controls(l: LiveLink, ctx: ActionContext): HTMLElement {
  const button = (action: string, label: string) => {
    const b = h("button", { type: "button", "data-action": action }, label);
    b.addEventListener("click", () => void act(ctx, l.name, action));
    return b;
  };
  const weight = h("input", {
    type: "number",
    min: "1",
    max: "256",
    value: String(l.weight),
    "aria-label": `weight of ${l.name}`,
  });
  const set = h("button", { type: "submit", "data-action": "weight" }, "Set weight");
  const form = h("form", { class: "weight" }, weight, set);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void act(ctx, l.name, "weight", Number(weight.value));
  });
  return h(
    "div",
    { class: "controls" },
    button("drain", "Drain"),
    button("disable", "Disable"),
    button("enable", "Enable"),
    form,
  );
}

function linkCard(l: LiveLink, nowMs: number, ctx: ActionContext): HTMLElement {
  const since = l.since === null ? "" : `for ${duration(nowMs - Date.parse(l.since))}`;
  const override = overrideText(l);
  return h(
    "article",
    { class: `link state-${l.state}`, "data-link": l.name, "data-state": l.state },
    h(
      "header",
      {},
      h("h3", {}, l.name),
      h("span", { class: "badge", "data-role": "state" }, STATE_TEXT[l.state]),
      h("span", { class: "since", "data-since": l.since ?? "" }, since),
    ),
    h("p", { class: "cause" }, l.stale ? `prober silent; last said: ${l.cause}` : l.cause),
    h(
      "div",
      { class: "stats" },
      stat("RTT", l.rttMs === null ? "–" : `${l.rttMs.toFixed(1)} ms`),
      stat("loss", percent(l.lossRatio)),
      stat(
        "connections",
        l.connectionShare === null ? "–" : `${percent(l.connectionShare, 0)} (${l.connections})`,
      ),
      stat("weight", String(l.weight)),
      stat("tier", String(l.tier)),
      stat("route", l.active ? "in use" : "not in use"),
    ),
    override === null ? null : h("p", { class: "override" }, override),
    ctx.session.operator ? controls(l, ctx) : null,
  );
}

/** Redraws the live part of the page from one view (a few cards: cheaper than diffing). */
export function renderLive(view: LiveView, ctx: ActionContext): void {
  const nowMs = Date.now();
  const links = document.getElementById("links");
  // Keep a weight being typed: do not redraw the controls under the operator's cursor.
  const typing =
    document.activeElement?.tagName === "INPUT" && links?.contains(document.activeElement) === true;
  if (!typing) links?.replaceChildren(...view.links.map((l) => linkCard(l, nowMs, ctx)));
  const route = view.defaultRoute;
  const routeText =
    route === null
      ? "unknown (no word from the router yet)"
      : route.nexthops.length === 0
        ? route.mode
        : `${route.nexthops.map((n) => `${n.link} × ${n.weight}`).join(", ")}${route.tier === null ? "" : ` (tier ${route.tier})`}${route.mode === "balanced" ? "" : ` — ${route.mode}`}`;
  document
    .getElementById("route")
    ?.replaceChildren(
      h("span", { "data-role": "route" }, routeText),
      view.lastChange === null ? "" : h("small", {}, ` last change: ${view.lastChange.reason}`),
    );
  document
    .getElementById("parts")
    ?.replaceChildren(
      ...view.parts.map((p) =>
        h(
          "li",
          { class: `part ${p.availability}`, "data-part": p.name },
          `${p.name} ${p.availability}${p.restarts ? ` (${p.restarts} restarts)` : ""}`,
        ),
      ),
    );
}
