import { type Action, notice } from "../src/actions/types.js";
import { done, type Step, todo } from "../src/engine/step.js";
import { initSystem } from "./lib/init.js";

export const dockerService: Step = {
  id: "docker-service",
  title: "Enable and start dockerd",
  kind: "change",
  plan({ facts }) {
    const answering = facts.docker.serverVersion !== undefined;
    if (facts.init.systemd) {
      if (
        answering &&
        facts.init.dockerActive === "active" &&
        facts.init.dockerEnabled === "enabled"
      ) {
        return done(`dockerd ${facts.docker.serverVersion} is enabled and running`);
      }
    } else if (answering) {
      return done(`dockerd ${facts.docker.serverVersion} is running (no systemd on this host)`);
    }
    const actions: Action[] = [{ kind: "start-docker", init: initSystem(facts) }];
    if (!facts.init.systemd) {
      actions.push(
        notice(
          "no systemd on this host: dockerd was started with /etc/init.d/docker and will not start by itself after a reboot",
        ),
      );
    }
    return todo(...actions);
  },
};
