import { execa } from "execa";

/**
 * Tells systemd the part is ready (Type=notify units) when it runs under one: the broker after its
 * secret is written and it listens, so the parts ordered after it never race the secret. systemd-notify
 * waits for PID 1 to take the message (sd_notify_barrier, systemd ≥ 246), so NotifyAccess=all attributes it.
 */
export async function notifyReady(
  env: NodeJS.ProcessEnv = process.env,
): Promise<"sent" | "not under systemd"> {
  if (env.NOTIFY_SOCKET === undefined || env.NOTIFY_SOCKET === "") return "not under systemd";
  await execa("systemd-notify", ["--ready", `--pid=${process.pid}`], { timeout: 5000 });
  return "sent";
}
