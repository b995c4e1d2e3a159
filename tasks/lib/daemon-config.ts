import { DAEMON_JSON } from "../../src/actions/dockerd.js";
import type { DaemonConfig } from "../../src/docker/daemon-json.js";
import { StepError } from "../../src/errors.js";
import type { Facts } from "../../src/facts/facts.js";

/** The parsed daemon.json; a step cannot plan a change to a file it cannot read. */
export function daemonConfig(facts: Facts): DaemonConfig {
  if (!facts.daemonConfig.ok)
    throw new StepError(
      `${DAEMON_JSON}: ${facts.daemonConfig.error}; fix it by hand, nothing was changed`,
    );
  return facts.daemonConfig.value;
}
