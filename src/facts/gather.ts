import type { Host } from "../hosts/host.js";
import { shellJoin } from "../hosts/shell.js";
import { type Facts, parseProbe } from "./facts.js";
import { PROBE_SCRIPT } from "./probe-script.js";

export interface ProbeOptions {
  /** Also list the images on the host (for doctor's warnings). */
  images?: boolean;
}

/** Read every fact in one round trip. */
export async function gatherFacts(
  host: Host,
  targetUser: string,
  packages: readonly string[],
  options: ProbeOptions = {},
): Promise<Facts> {
  // The image list costs a docker call on every probe; only doctor's warnings need it.
  const script = `probe_images=${options.images ? 1 : 0}\nset -- ${shellJoin([targetUser, ...packages])}\n${PROBE_SCRIPT}`;
  // With a sudo password the probe runs as root, so root-only facts (dockerd's state) are read too.
  const privileged = host.privilege.mode === "sudo-password";
  const result = await host.run(script, { label: "host probe", check: false, privileged });
  return parseProbe(result.stdout, targetUser);
}
