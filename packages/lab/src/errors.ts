export type LabErrorCode =
  | "LAB_INVALID_OPTIONS"
  | "LAB_COMMAND_FAILED"
  | "LAB_TIMEOUT"
  | "LAB_PROCESS_FAILED"
  | "LAB_SCRIPT_MISSING"
  | "LAB_DESTROYED"
  | "LAB_CLEANUP_FAILED";

export interface LabErrorDetails {
  readonly cause?: unknown;
  readonly argv?: readonly string[];
  readonly exitCode?: number;
  readonly stderr?: string;
}

/** The one error class of the lab: a code to branch on, plus the command that failed when there is one. */
export class LabError extends Error {
  override readonly name = "LabError";
  readonly code: LabErrorCode;
  readonly argv: readonly string[] | undefined;
  readonly exitCode: number | undefined;
  readonly stderr: string | undefined;

  constructor(code: LabErrorCode, message: string, details: LabErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.argv = details.argv;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr;
  }
}

export function isLabError(error: unknown, code?: LabErrorCode): error is LabError {
  return error instanceof LabError && (code === undefined || error.code === code);
}
