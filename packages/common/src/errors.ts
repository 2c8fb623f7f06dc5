/** Every error wanpilot raises on purpose carries one of these codes. */
export type WanpilotErrorCode =
  | "CONFIG_INVALID"
  | "CONFIG_UNREADABLE"
  | "COMMAND_FAILED"
  | "COMMAND_TIMEOUT"
  | "BUS_UNAVAILABLE"
  | "BUS_PAYLOAD_INVALID"
  | "BROKER_BIND_FAILED"
  | "RUNTIME_DIR_UNSAFE"
  | "LISTEN_FAILED"
  | "DATABASE_FAILED"
  | "NOT_RUNNING"
  | "KERNEL_CONFLICT"
  | "ROUTER_RUNNING"
  | "USAGE";

export class WanpilotError extends Error {
  readonly code: WanpilotErrorCode;
  /** Extra machine-readable context (argv, exit code, paths...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: WanpilotErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WanpilotError";
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isWanpilotError(err: unknown, code?: WanpilotErrorCode): err is WanpilotError {
  return err instanceof WanpilotError && (code === undefined || err.code === code);
}

/** A readable one-liner for any thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
