import type { LinkState } from "@wanpilot/common";

/** A valid retained LinkState for tests: `link` in `state`, every other field a plain default or `over`. */
export function linkStateFixture(
  link: string,
  state: LinkState["state"],
  over: Partial<LinkState> = {},
): LinkState {
  return {
    link,
    state,
    since: "2026-01-01T00:00:00.000Z",
    cause: "test",
    interface: "wan1",
    source: null,
    gateway: null,
    carrier: true,
    rttMs: 20,
    lossRatio: 0.01,
    at: "2026-01-01T00:00:01.000Z",
    ...over,
  };
}
