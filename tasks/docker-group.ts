import { notice } from "../src/actions/types.js";
import { done, type Step, todo } from "../src/engine/step.js";

export const dockerGroup: Step = {
  id: "docker-group",
  title: "Add the user to the docker group",
  kind: "change",
  skipReason: ({ decisions }) =>
    decisions.targetUser === "root" ? "root needs no docker group" : undefined,
  plan({ facts, decisions }) {
    const user = decisions.targetUser;
    const member = facts.targetUser?.groups.includes("docker") ?? false;
    if (facts.dockerGroup && member) return done(`${user} is in the docker group`);
    return todo(
      { kind: "add-to-group", user, group: "docker" },
      notice(
        `${user} was added to the docker group: open a new login (or run \`newgrp docker\`) for shells to use docker without sudo`,
      ),
    );
  },
};
