import type { ProbeSection } from "../facts/probe-script.js";
import type { Action } from "./types.js";

const DOCKERD: ProbeSection[] = ["init", "docker"];

/**
 * The probe sections an action can change: after a step runs, only these are read again (the rest
 * of the facts cannot have moved). Package scripts may start dockerd, create the docker group or
 * drop a daemon.json, so apt counts as touching all of those.
 */
export function sectionsTouched(action: Action): ProbeSection[] {
  switch (action.kind) {
    case "apt-update":
    case "note":
    case "notice":
    case "verify-container":
      return [];
    case "apt-install":
    case "apt-remove":
    case "snap-remove":
      return [
        "dpkg",
        "dpkg-audit",
        "dpkg-journal",
        "apt-remove",
        "snap-docker",
        ...DOCKERD,
        "docker-group",
        "target-user",
        "daemon-json",
        "nvidia-ctk",
        "disk",
      ];
    case "write-file":
    case "retire-file":
      return ["apt-sources", "daemon-json", "proxy-files"];
    case "set-json-key":
      return ["proxy-files"];
    case "set-mode":
    case "install-key":
      return ["keyrings"];
    case "add-to-group":
      return ["docker-group", "target-user"];
    case "start-docker":
    case "restart-docker":
      return DOCKERD;
    case "change-daemon-json":
      return ["daemon-json", ...DOCKERD];
  }
}

/** Every section a list of actions can change, each once. */
export function sectionsTouchedBy(actions: readonly Action[]): ProbeSection[] {
  return [...new Set(actions.flatMap(sectionsTouched))];
}
