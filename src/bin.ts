import { main } from "./cli.js";
import type { Pipeline } from "./engine/pipeline.js";
import { requestInterruption } from "./interrupt.js";

/**
 * A reader that went away (`vla-provision --help | head -1`, a log pipe whose reader died) makes
 * the next write fail with EPIPE, which Node reports as an unhandled 'error' event: a stack trace.
 * Instead the rest of that stream's output is dropped quietly, and the closed pipe counts like
 * SIGPIPE, the signal it stands for: no new step starts, the command in flight finishes (see
 * interrupt.ts). A command that was done anyway (--help, --version, doctor) keeps its exit code.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
    requestInterruption("SIGPIPE");
  });
}

/** Run the CLI with the steps the composition root wires in. */
export function start(pipeline: Pipeline): void {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  main(process.argv, pipeline).then((code) => {
    process.exitCode = code;
  });
}
