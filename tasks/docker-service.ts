import { command, done, type Step, todo } from "../src/engine/step.js";
import { startCommand, waitForDocker } from "./lib/dockerd.js";

export const dockerService: Step = {
  id: "docker-service",
  title: "Enable and start dockerd",
  kind: "change",
  check({ facts }) {
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
    return todo(command(startCommand(facts)), command("docker info  # wait until it answers"));
  },
  async apply(ctx) {
    if (!ctx.facts.init.systemd) {
      ctx.notice(
        "no systemd on this host: dockerd was started with /etc/init.d/docker and will not start by itself after a reboot",
      );
    }
    await ctx.host.run(`${startCommand(ctx.facts)} && ${waitForDocker(ctx.facts)}`, {
      privileged: true,
      onOutput: ctx.log,
      timeoutMs: 180_000,
      label: "start dockerd",
    });
  },
};
