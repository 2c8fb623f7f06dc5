import { OPERATOR_USERNAME } from "./operations.js";
import { type Component, componentId } from "./topics.js";

/**
 * An external broker (bus.url) is shared by a fleet: each part of each gateway logs in as
 * `<gateway>/<part>` (e.g. `gw1/prober/dsl`) with the password in bus.credentials_dir.
 */
export function externalUsername(gateway: string, c: Component): string {
  return `${gateway}/${componentId(c)}`;
}

/** The part's password file name in bus.credentials_dir: router.pass, prober@dsl.pass… */
export function credentialFileName(c: Component): string {
  return `${componentId(c).replace("/", "@")}.pass`;
}

/** The operator (`wanpilot link`, `wanpilot reload`) on an external broker: `<gateway>/operator`. */
export function externalOperatorUsername(gateway: string): string {
  return `${gateway}/${OPERATOR_USERNAME}`;
}

/** The operator's password file name in bus.credentials_dir. */
export const OPERATOR_CREDENTIAL_FILE = `${OPERATOR_USERNAME}.pass`;

/** Every part of a gateway with links `links`, as it logs in. */
export function allComponents(links: readonly string[]): Component[] {
  return [
    ...links.map((link): Component => ({ kind: "prober", link })),
    { kind: "router" },
    { kind: "logger" },
    { kind: "observer" },
    { kind: "web" },
    { kind: "supervisor" },
  ];
}
