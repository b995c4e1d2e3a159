import type { Host } from "../hosts/host.js";
import { shellQuote } from "../hosts/shell.js";
import { type Facts, parseProbe } from "./facts.js";
import { PROBE_SCRIPT } from "./probe-script.js";

/** Read every fact in one round trip. */
export async function gatherFacts(host: Host, targetUser: string): Promise<Facts> {
  const script = `set -- ${shellQuote(targetUser)}\n${PROBE_SCRIPT}`;
  // With a sudo password the probe runs as root, so root-only facts (dockerd's state) are read too.
  const privileged = host.privilege.mode === "sudo-password";
  const result = await host.run(script, { label: "host probe", check: false, privileged });
  return parseProbe(result.stdout, targetUser);
}
