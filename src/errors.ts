/** Bad usage or input: a one-line message, exit code 2, nothing on the host has changed. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** The host cannot be provisioned as it stands (unsupported OS, no privilege, ...): exit code 3. */
export class RefusedError extends Error {
  readonly exitCode = 3;
}

/** A step failed while running: exit code 1. */
export class StepError extends Error {
  readonly exitCode = 1;
}

const EXIT_CODE_MEANINGS: Record<number, string> = {
  1: "general error",
  2: "misuse of shell builtins",
  100: "apt/dpkg error",
  124: "timed out",
  126: "command not executable",
  127: "command not found",
  130: "interrupted",
};

/** A command on a host exited non-zero. Its text holds only the stderr lines that matter. */
export class CommandError extends Error {
  constructor(
    readonly label: string,
    readonly code: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(commandFailure(label, code, stdout, stderr));
  }
}

function commandFailure(label: string, code: number, stdout: string, stderr: string): string {
  const meaning = EXIT_CODE_MEANINGS[code];
  const head = `${label} exited with code ${code}${meaning ? ` (${meaning})` : ""}`;
  // apt's own "E:" lines say what went wrong; the lines around them are hash lists and hints.
  const errors = aptErrors(`${stdout}\n${stderr}`);
  if (errors.length > 0) return `${head}: ${errors.join("\n")}`;
  const detail = lastLines(stderr.trim() || stdout.trim(), 6);
  return `${head}${detail ? `:\n${detail}` : ""}`;
}

/** apt's and dpkg's error lines ("E: ...", "dpkg: error ..."), at most four. */
export function aptErrors(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^E: |^dpkg: error/.test(line))
    .slice(0, 4);
}

export function lastLines(text: string, count: number): string {
  return text.split("\n").filter(Boolean).slice(-count).join("\n");
}

/** The exit code an error stands for: its own (2, 3, 1) or 1 for anything unexpected. */
export function exitCodeOf(error: unknown): number {
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === "number" ? code : 1;
}

export function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return message === undefined ? String(error) : String(message);
}
