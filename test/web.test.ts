/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLab, type Lab } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchInNamespace } from "./helpers/browser.js";
import { kernelNexthops } from "./helpers/lab-views.js";
import { Spawned } from "./helpers/process.js";

// The gateway's page in a real browser (Debian's chromium, headless, inside the lab's gateway namespace):
// live links, a failover seen without a reload, graphs from the logger's database, an anonymous visitor
// who cannot act, and an operator whose drain the kernel's default route follows.
const BIN = new URL("../packages/cli/bin/wanpilot.js", import.meta.url).pathname;
const GW = "webgw";
const BUS = 18870;
const WEB = 18480;
const PASSWORD = "correct horse battery staple";
const URL_ = `http://127.0.0.1:${WEB}/`;
/** Where the screenshots go: a scratch directory, or docs/img when WANPILOT_SCREENSHOTS asks for it. */
const SHOTS = process.env.WANPILOT_SCREENSHOTS ?? join(tmpdir(), "wanpilot-web-shots");
const note = (line: string) => process.stderr.write(`[web.test] ${line}\n`);

let lab: Lab;
let dir: string;
let start: Spawned;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

function writeConfig(): string {
  writeFileSync(join(dir, "web.pass"), `${PASSWORD}\n`, { mode: 0o600 });
  const links = lab.isps.map(
    (isp) => `  - name: ${isp.name}
    interface: ${isp.wanInterface}
    gateway: ${isp.modemAddress}
    source: ${isp.gwAddress}
    probe: {targets: [${lab.targets.join(", ")}], interval: 200ms, timeout: 500ms, down: 3, up: 2}
`,
  );
  const path = join(dir, "wanpilot.yaml");
  writeFileSync(
    path,
    `gateway: ${GW}
links:
${links.join("")}bus:
  listen: 127.0.0.1:${BUS}
web:
  listen: 127.0.0.1:${WEB}
  password_file: ${join(dir, "web.pass")}
runtime_dir: ${join(dir, "run")}
logger:
  database: ${join(dir, "wanpilot.db")}
  health_every: 1s
log_level: warn
`,
  );
  return path;
}

const stateOf = (link: string) =>
  page
    .locator(`#links [data-link="${link}"]`)
    .getAttribute("data-state", { timeout: 1000 })
    .catch(() => null);

/** VmRSS of the `wanpilot web` child of our `start` (the footprint budget counts it), in MiB. */
function webRssMiB(): number | undefined {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d)))
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      // Its config is ours, or the snapshot `start` keeps in our runtime_dir.
      if (!argv.includes("web") || !argv.some((a) => a.startsWith(dir))) continue;
      const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      return kib === undefined ? undefined : Number(kib) / 1024;
    } catch {
      // gone meanwhile
    }
  return undefined;
}

async function shoot(name: string, width: number): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.setViewportSize({ width, height: 900 });
  await page.waitForTimeout(300); // the graphs follow a resize after 150 ms
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `horizontal overflow at ${width} px`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

describe("the web page in a real browser", () => {
  beforeAll(async () => {
    // scripts/setup.sh installs it: a missing browser fails the suite instead of skipping it.
    if (!hasChromium()) throw new Error("Debian's chromium is not installed: run scripts/setup.sh");
    lab = await createLab({ isps: 3, name: "web" });
    dir = mkdtempSync(join(tmpdir(), "wanpilot-web-"));
    start = new Spawned([
      "ip",
      "netns",
      "exec",
      lab.ns.gw,
      process.execPath,
      BIN,
      "start",
      "--config",
      writeConfig(),
    ]);
    await until(
      "the page to listen",
      async () =>
        start.exit !== undefined ||
        (await lab.tryExec(lab.ns.gw, ["ss", "-Hltn", `sport = :${WEB}`])).stdout.includes(String(WEB)),
      30_000,
    );
    expect(start.exit, start.text()).toBeUndefined();
    browser = await launchInNamespace(lab.ns.gw, dir);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      // The refusals the tests provoke (401) are logged too: only policy violations count here.
      if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text()))
        consoleErrors.push(m.text());
    });
    await page.goto(URL_);
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await start?.stop("SIGTERM", 10_000);
    await lab?.destroy();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("shows the three links up, the default route and the parts, live", async () => {
    const names = lab.isps.map((i) => i.name);
    await until(
      "three links up on the page",
      async () => (await Promise.all(names.map(stateOf))).every((s) => s === "up"),
      40_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\nstart:\n${start.text().slice(-3000)}`);
    });
    expect(await page.locator("#stream").textContent()).toBe("live");
    await until(
      "the default route shown",
      async () => /tier 1/.test((await page.locator("[data-role=route]").textContent()) ?? ""),
      20_000,
    );
    expect(await page.locator('[data-part="web"]').textContent()).toMatch(/online/);
  });

  it("draws RTT and loss graphs with points from the logger's database", async () => {
    await page.click('[data-window="1h"]');
    await until(
      "points in both graphs",
      async () => {
        const points = await page.evaluate(() =>
          ["rtt-chart", "loss-chart"].map((id) => Number(document.getElementById(id)?.dataset.points ?? 0)),
        );
        if (points.every((p) => p >= 3)) return true;
        await page.click('[data-window="1h"]'); // fetch the window again
        return false;
      },
      60_000,
    );
    expect(await page.locator("#rtt-chart canvas").count()).toBeGreaterThan(0);
    const history = await page.evaluate(async () => (await fetch("/api/history?window=1h")).json());
    for (const l of (history as { links: Array<{ series: { rttMs: (number | null)[] } }> }).links)
      expect(l.series.rttMs.filter((v) => v !== null).length).toBeGreaterThan(0);
  });

  it("gives an anonymous visitor no controls, and refuses its POST", async () => {
    expect(await page.locator("button[data-action]").count()).toBe(0);
    const link = lab.isps[1]?.name ?? "";
    const answers = await page.evaluate(async (l) => {
      const post = (headers: Record<string, string>) =>
        fetch(`/api/links/${l}/drain`, {
          method: "POST",
          headers: { "Content-Type": "application/json", ...headers },
          body: "{}",
        }).then((r) => r.status);
      return [await post({}), await post({ "X-CSRF-Token": "guessed" })];
    }, link);
    expect(answers).toEqual([401, 401]);
    expect((await kernelNexthops(lab)).size).toBe(3);
  });

  it("shows a link whose upstream is cut as down, without a reload", async () => {
    const [isp] = lab.isps;
    if (isp === undefined) throw new Error("no isp");
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
      const seen = window as unknown as { downAtMs?: number };
      new MutationObserver(() => {
        if (seen.downAtMs === undefined && document.querySelector('#links [data-state="down"]') !== null)
          seen.downAtMs = Date.now();
      }).observe(document.getElementById("links") as HTMLElement, {
        subtree: true,
        childList: true,
        attributes: true,
      });
    });
    const cutAtMs = Date.now();
    await lab.cutUpstream(isp.name);
    try {
      await until(`${isp.name} down on the page`, async () => (await stateOf(isp.name)) === "down", 20_000);
      const seen = await page.evaluate(() => {
        const w = window as unknown as { notReloaded?: boolean; downAtMs?: number };
        return { notReloaded: w.notReloaded, downAtMs: w.downAtMs };
      });
      expect(seen.notReloaded).toBe(true);
      const card = page.locator(`#links [data-link="${isp.name}"]`);
      const since = await card.locator(".since").getAttribute("data-since");
      // The prober's transition time is when the bus had it: how long the page took after that.
      note(
        `cut → page shows down: ${(seen.downAtMs ?? 0) - cutAtMs} ms; transition → page: ${(seen.downAtMs ?? 0) - Date.parse(since ?? "")} ms`,
      );
      expect(await card.locator(".cause").textContent()).not.toBe("");
    } finally {
      await lab.restoreUpstream(isp.name);
    }
  });

  it("lets a logged-in operator drain a link, and the kernel's default route follows", async () => {
    const link = lab.isps[1];
    if (link === undefined) throw new Error("no isp");
    await until(
      "the cut link back up",
      async () => (await stateOf(lab.isps[0]?.name ?? "")) === "up",
      30_000,
    );
    await page.click("#login-open");
    await page.fill("#password", "wrong");
    await page.click('#login-form button[type="submit"]');
    await until(
      "the refusal",
      async () => ((await page.locator("#login-error").textContent()) ?? "") !== "",
      10_000,
    );
    await page.fill("#password", PASSWORD);
    await page.click('#login-form button[type="submit"]');
    await page
      .locator(`#links [data-link="${link.name}"] button[data-action="drain"]`)
      .click({ timeout: 15_000 });
    await until(
      `${link.wanInterface} out of the default route`,
      async () => !(await kernelNexthops(lab)).has(link.wanInterface),
      20_000,
    );
    expect((await kernelNexthops(lab)).size).toBe(2);
    await until(
      "the override on the page",
      async () =>
        /drained/.test(
          (await page
            .locator(`#links [data-link="${link.name}"] .override`)
            .textContent({ timeout: 1000 })
            .catch(() => "")) ?? "",
        ),
      10_000,
    );
    await until(
      "the action in the audit trail",
      async () => /drain/.test((await page.locator("#operations").textContent()) ?? ""),
      20_000,
    );
    // The cookie is HttpOnly and SameSite=Strict: no script sees it.
    expect(await page.evaluate(() => document.cookie)).toBe("");
    const cookie = (await page.context().cookies()).find((c) => c.name === "wanpilot_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
  });

  it("fits a phone (375 px) and a desktop; the page breaks no CSP rule", async () => {
    await shoot("web-phone.png", 375);
    await shoot("web.png", 1280);
    note(`screenshots in ${SHOTS}; the web part's VmRSS after the tests: ${webRssMiB()?.toFixed(1)} MiB`);
    expect(consoleErrors).toEqual([]);
  });

  it("lets the operator disable a link: out of the kernel's route, shown on the page; enable brings it back", async () => {
    // isp1: the drain test drained isp2, the next one enables it again.
    const [link] = lab.isps;
    if (link === undefined) throw new Error("no isp");
    const card = page.locator(`#links [data-link="${link.name}"]`);
    await card.locator('button[data-action="disable"]').click({ timeout: 15_000 });
    await until(
      `${link.wanInterface} out of the default route`,
      async () => !(await kernelNexthops(lab)).has(link.wanInterface),
      20_000,
    );
    await until(
      "the override on the page",
      async () =>
        /disabled/.test(
          (await card
            .locator(".override")
            .textContent({ timeout: 1000 })
            .catch(() => "")) ?? "",
        ),
      10_000,
    );
    await card.locator('button[data-action="enable"]').click({ timeout: 15_000 });
    await until(
      `${link.wanInterface} back in the default route`,
      async () => (await kernelNexthops(lab)).has(link.wanInterface),
      20_000,
    );
  });

  it("lets the operator set a weight and enable the drained link again; the kernel follows both", async () => {
    const [, drained, other] = lab.isps;
    if (drained === undefined || other === undefined) throw new Error("no isp");
    const card = page.locator(`#links [data-link="${other.name}"]`);
    await card.locator('input[type="number"]').fill("3");
    await card.locator('button[data-action="weight"]').click();
    await until(
      `${other.wanInterface} at weight 3 in the kernel`,
      async () => (await kernelNexthops(lab)).get(other.wanInterface) === 3,
      20_000,
    );
    await page.locator(`#links [data-link="${drained.name}"] button[data-action="enable"]`).click();
    await until(
      `${drained.wanInterface} back in the default route`,
      async () => (await kernelNexthops(lab)).has(drained.wanInterface),
      20_000,
    );
    expect((await kernelNexthops(lab)).size).toBe(3);
  });
});
