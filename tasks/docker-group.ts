import { command, done, type Step, todo } from "../src/engine/step.js";
import { shellQuote } from "../src/hosts/shell.js";

export const dockerGroup: Step = {
  id: "docker-group",
  title: "Add the user to the docker group",
  kind: "change",
  skipReason: ({ targetUser }) =>
    targetUser === "root" ? "root needs no docker group" : undefined,
  check({ facts, targetUser }) {
    const member = facts.targetUser?.groups.includes("docker") ?? false;
    if (facts.dockerGroup && member) return done(`${targetUser} is in the docker group`);
    return todo(
      ...(facts.dockerGroup ? [] : [command("groupadd docker")]),
      command(`usermod -aG docker ${targetUser}`),
    );
  },
  async apply(ctx) {
    const user = shellQuote(ctx.targetUser);
    // Always -aG: without -a, usermod would drop every other supplementary group of the user.
    await ctx.host.run(
      `getent group docker >/dev/null || groupadd docker; usermod -aG docker ${user}`,
      {
        privileged: true,
        label: "usermod -aG docker",
      },
    );
    ctx.notice(
      `${ctx.targetUser} was added to the docker group: open a new login (or run \`newgrp docker\`) for shells to use docker without sudo`,
    );
  },
};
