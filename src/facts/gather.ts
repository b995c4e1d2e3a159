import { CONFLICTING_PACKAGES } from "../docker/repository.js";
import { StepError } from "../errors.js";
import type { Host } from "../hosts/host.js";
import { shellJoin, shellQuote } from "../hosts/shell.js";
import { type Facts, mergeFacts, parseProbe, timedOutMessage } from "./facts.js";
import { PROBE_SCRIPT, type ProbeSection, TIMED_OUT } from "./probe-script.js";

export interface ProbeOptions {
  /** Also read what only doctor shows: the docker client's version and the images on the host. */
  details?: boolean;
  /** Read only these sections (and identity) and take the rest of the facts from `base`. */
  partial?: { only: readonly ProbeSection[]; base: Facts };
}

/**
 * The whole probe's bound. Each command in it that can hang is bounded on its own; this catches
 * what those cannot (a hung filesystem, a stuck shell).
 */
export const PROBE_TIMEOUT_MS = 300_000;

/** The probe as the host runs it: every section, or only `only` (identity is always read). */
export function probeScript(
  targetUser: string,
  packages: readonly string[],
  options: { details?: boolean; only?: readonly ProbeSection[] } = {},
): string {
  return [
    // Each docker CLI call costs tens of milliseconds of the host's CPU on every probe; the steps
    // do not need these two.
    `probe_details=${options.details ? 1 : 0}`,
    `probe_only=${shellQuote((options.only ?? []).join(" "))}`,
    // apt simulates removing those of these that are installed (the docker-conflicts step removes them).
    `removal_candidates=${shellQuote(CONFLICTING_PACKAGES.join(" "))}`,
    `set -- ${shellJoin([targetUser, ...packages])}`,
    PROBE_SCRIPT,
  ].join("\n");
}

/** Read every fact in one round trip. */
export async function gatherFacts(
  host: Host,
  targetUser: string,
  packages: readonly string[],
  options: ProbeOptions = {},
): Promise<Facts> {
  const script = probeScript(targetUser, packages, {
    details: options.details,
    only: options.partial?.only,
  });
  // With a sudo password the probe runs as root, so root-only facts (dockerd's state) are read too.
  const privileged = host.privilege.mode === "sudo-password";
  const result = await host.run(script, {
    label: "host probe",
    check: false,
    privileged,
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  if (result.code === TIMED_OUT) {
    throw new StepError(timedOutMessage("the host probe", PROBE_TIMEOUT_MS / 1000));
  }
  const { partial } = options;
  return partial
    ? mergeFacts(partial.base, result.stdout, targetUser, partial.only)
    : parseProbe(result.stdout, targetUser);
}
