import { loadConfig } from "../config.js";
import { diagnose, type Finding } from "../core/doctor.js";
import { gatherFacts } from "../doctor/gather.js";
import type { Output } from "../output.js";

const LABEL: Record<Finding["level"], string> = {
  ok: "ok     ",
  info: "info   ",
  warning: "warning",
  error: "ERROR  ",
};

/** `wanpilot doctor`: the machine checked against the config, with what to do for each finding. */
export async function runDoctor(out: Output, opts: { config?: string; json?: boolean }): Promise<number> {
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const findings = diagnose(loaded.config, await gatherFacts());
  const errors = findings.filter((f) => f.level === "error").length;
  const warnings = findings.filter((f) => f.level === "warning").length;
  if (opts.json) {
    out.out(JSON.stringify({ config: loaded.path, errors, warnings, findings }, null, 2));
    return errors > 0 ? 1 : 0;
  }
  out.out(`checking this machine against ${loaded.path}`);
  for (const f of findings) {
    out.out(`${LABEL[f.level]} ${f.check}: ${f.message}`);
    if (f.fix !== undefined) out.out(`        → ${f.fix}`);
  }
  out.out(
    errors + warnings === 0
      ? "no problems found"
      : `${errors} problem${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`,
  );
  return errors > 0 ? 1 : 0;
}
