/**
 * Ctrl-C and SIGTERM: stop starting new steps, let the command in flight on each host finish, say
 * where each host stands and exit 130. A second signal stops at once (a daemon.json change still
 * finishes on the host: it runs there by itself).
 */
export interface Interruption {
  readonly requested: boolean;
  readonly signal?: string;
}

let state: { requested: boolean; signal?: string } = { requested: false };

export function interruption(): Interruption {
  return state;
}

export function requestInterruption(signal: string): void {
  state = { requested: true, signal };
}

/** For tests: forget an earlier interruption. */
export function resetInterruption(): void {
  state = { requested: false };
}

export const INTERRUPTED_EXIT_CODE = 130;

/** Thrown where the tool was waiting (for an apt lock, say) when the signal came. */
export class InterruptedError extends Error {
  readonly exitCode = INTERRUPTED_EXIT_CODE;
}

/** Install the handlers; returns a function that removes them. */
export function handleSignals(write: (line: string) => void, exitNow: (code: number) => void) {
  const onSignal = (signal: NodeJS.Signals) => {
    if (state.requested) {
      write(`vla-provision: ${signal} again: stopping now`);
      exitNow(INTERRUPTED_EXIT_CODE);
      return;
    }
    requestInterruption(signal);
    write(
      `vla-provision: ${signal}: finishing the command in flight on each host and starting nothing new (send it again to stop at once)`,
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}
