import type { Host } from "../hosts/host.js";
import { shellJoin } from "../hosts/shell.js";
import { type Facts, parseProbe } from "./facts.js";
import { PROBE_SCRIPT } from "./probe-script.js";

export interface ProbeOptions {
  /** Also read what only doctor shows: the docker client's version and the images on the host. */
  details?: boolean;
}

/** Read every fact in one round trip. */
export async function gatherFacts(
  host: Host,
  targetUser: string,
  packages: readonly string[],
  options: ProbeOptions = {},
): Promise<Facts> {
  // Each docker CLI call costs tens of milliseconds of the host's CPU on every probe; the steps
  // do not need these two.
  const script = `probe_details=${options.details ? 1 : 0}\nset -- ${shellJoin([targetUser, ...packages])}\n${PROBE_SCRIPT}`;
  // With a sudo password the probe runs as root, so root-only facts (dockerd's state) are read too.
  const privileged = host.privilege.mode === "sudo-password";
  const result = await host.run(script, { label: "host probe", check: false, privileged });
  return parseProbe(result.stdout, targetUser);
}
