import "uplot/dist/uPlot.min.css";
import "./style.css";
import type { HistoryView } from "../src/core/history.js";
import type { LiveView } from "../src/core/live.js";
import { ApiError, getJson, postJson, type SessionInfo } from "./api.js";
import { byId, duration } from "./dom.js";
import { renderHistory, resizeCharts } from "./history.js";
import { renderLive } from "./live.js";

let session: SessionInfo = { operator: false, csrf: null };
let last: LiveView | undefined;
let windowName = "24h";

function notify(text: string, ok: boolean): void {
  const el = byId("notice");
  el.textContent = text;
  el.className = ok ? "ok" : "error";
}

const ctx = {
  get session() {
    return session;
  },
  notify,
};

function showSession(): void {
  document.body.classList.toggle("operator", session.operator);
  byId("login-open").hidden = session.operator;
  byId("logout").hidden = !session.operator;
  if (last !== undefined) renderLive(last, ctx);
}

async function loadHistory(): Promise<void> {
  try {
    renderHistory(await getJson<HistoryView>(`/api/history?window=${windowName}`));
    byId("history-error").textContent = "";
  } catch (err: unknown) {
    byId("history-error").textContent = err instanceof ApiError ? err.message : String(err);
  }
}

let historyQueued = false;
/** Route changes and actions arrive in bursts: one fetch per burst. */
function historyChanged(): void {
  if (historyQueued) return;
  historyQueued = true;
  setTimeout(() => {
    historyQueued = false;
    void loadHistory();
  }, 1000);
}

function connect(): void {
  const status = byId("stream");
  const events = new EventSource("/api/events");
  events.addEventListener("open", () => {
    status.textContent = "live";
    status.className = "live";
  });
  events.addEventListener("error", () => {
    status.textContent = "reconnecting…";
    status.className = "offline";
  });
  events.addEventListener("live", (e) => {
    last = JSON.parse((e as MessageEvent<string>).data) as LiveView;
    byId("gateway").textContent = last.gateway;
    renderLive(last, ctx);
  });
  events.addEventListener("history", historyChanged);
}

function wireLogin(): void {
  const dialog = byId<HTMLDialogElement>("login");
  const form = byId<HTMLFormElement>("login-form");
  const password = byId<HTMLInputElement>("password");
  byId("login-open").addEventListener("click", () => {
    byId("login-error").textContent = "";
    dialog.showModal();
  });
  byId("login-cancel").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void (async () => {
      try {
        session = await postJson<SessionInfo>("/api/login", { password: password.value }, null);
        password.value = "";
        dialog.close();
        showSession();
      } catch (err: unknown) {
        byId("login-error").textContent = err instanceof ApiError ? err.message : String(err);
      }
    })();
  });
  byId("logout").addEventListener("click", () => {
    void postJson("/api/logout", {}, session.csrf).finally(() => {
      session = { operator: false, csrf: null };
      showSession();
    });
  });
}

function wireWindows(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-window]"))
    b.addEventListener("click", () => {
      windowName = b.dataset.window ?? "24h";
      for (const o of document.querySelectorAll("[data-window]"))
        o.setAttribute("aria-pressed", String(o === b));
      void loadHistory();
    });
}

/** "for 3 min 12 s" keeps counting between messages. */
function tick(): void {
  const nowMs = Date.now();
  for (const el of document.querySelectorAll<HTMLElement>(".since[data-since]")) {
    const since = el.dataset.since;
    if (since) el.textContent = `for ${duration(nowMs - Date.parse(since))}`;
  }
}

async function start(): Promise<void> {
  wireLogin();
  wireWindows();
  session = await getJson<SessionInfo>("/api/session").catch(() => session);
  showSession();
  connect();
  await loadHistory();
  setInterval(tick, 1000);
  // Graphs of a longer window change slowly: refresh them once a minute.
  setInterval(() => void loadHistory(), 60_000);
  let resizing: number | undefined;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = window.setTimeout(resizeCharts, 150);
  });
}

void start();
