import { userInfo } from "node:os";
import { execa } from "execa";
import type { ExecOptions, ExecResult, Transport } from "./transport.js";

export class LocalTransport implements Transport {
  readonly target = "local";
  readonly kind = "local";
  readonly loginUser = userInfo().username;

  async exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    const child = execa("sh", ["-c", script], {
      input: options.stdin ?? "",
      reject: false,
      stripFinalNewline: false,
      buffer: true,
      // Its own process group: a Ctrl-C in the terminal reaches the CLI, which lets this finish.
      detached: true,
    });
    if (options.onOutput) {
      const forward = (chunk: Buffer) => options.onOutput?.(chunk.toString());
      child.stdout?.on("data", forward);
      child.stderr?.on("data", forward);
    }
    const result = await child;
    return {
      code: result.exitCode ?? (result.signal ? 128 : 1),
      stdout: String(result.stdout ?? ""),
      stderr: String(result.stderr ?? ""),
    };
  }

  async close(): Promise<void> {}
}
