import { DAEMON_JSON } from "../src/actions/dockerd.js";
import { hasNvidiaRuntime } from "../src/docker/daemon-json.js";
import { done, type Step, todo } from "../src/engine/step.js";
import { daemonConfig } from "./lib/daemon-config.js";
import { initSystem } from "./lib/init.js";
import { nvidiaSkipReason } from "./lib/nvidia.js";

export const nvidiaRuntime: Step = {
  id: "nvidia-runtime",
  title: "Register the nvidia runtime with dockerd",
  kind: "change",
  restartsDockerd: true,
  skipReason: nvidiaSkipReason,
  plan({ facts }) {
    const config = daemonConfig(facts);
    const init = initSystem(facts);
    const registered = hasNvidiaRuntime(config);
    if (registered && facts.docker.runtimes.includes("nvidia")) {
      return done(`${DAEMON_JSON} registers the nvidia runtime and dockerd lists it`);
    }
    if (registered) return todo({ kind: "restart-docker", init });
    return todo({
      kind: "change-daemon-json",
      init,
      before: facts.daemonJson.exists ? (facts.daemonJson.text ?? "") : "",
      beforeConfig: config,
      content: "nvidia-ctk",
    });
  },
};
