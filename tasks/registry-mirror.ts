import { DAEMON_JSON } from "../src/actions/dockerd.js";
import { mergeRegistryMirrors, renderDaemonJson } from "../src/docker/daemon-json.js";
import { done, type Step, todo } from "../src/engine/step.js";
import { daemonConfig } from "./lib/daemon-config.js";
import { initSystem } from "./lib/init.js";

export const registryMirror: Step = {
  id: "registry-mirror",
  title: "Configure registry mirrors",
  kind: "change",
  restartsDockerd: true,
  skipReason: ({ options }) =>
    options.registryMirrors.length ? undefined : "no --registry-mirror given",
  plan({ facts, options }) {
    const config = daemonConfig(facts);
    const merged = mergeRegistryMirrors(config, options.registryMirrors);
    if (!merged.changed)
      return done(`${DAEMON_JSON} already lists ${options.registryMirrors.join(", ")}`);
    const before = facts.daemonJson.exists ? (facts.daemonJson.text ?? "") : "";
    return todo({
      kind: "change-daemon-json",
      init: initSystem(facts),
      before,
      beforeConfig: config,
      content: renderDaemonJson(merged.config, facts.daemonJson.text),
    });
  },
};
