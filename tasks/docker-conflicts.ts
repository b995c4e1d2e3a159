import { command, done, type Step, todo } from "../src/engine/step.js";
import { aptRemove, installed } from "./lib/apt.js";

/** What Docker's install guide says to remove first. Images, containers and volumes are kept. */
export const CONFLICTING_PACKAGES = [
  "docker.io",
  "docker-doc",
  "docker-compose",
  "docker-compose-v2",
  "podman-docker",
  "containerd",
  "runc",
];

export const dockerConflicts: Step = {
  id: "docker-conflicts",
  title: "Remove conflicting Docker packages",
  kind: "change",
  packages: CONFLICTING_PACKAGES,
  check({ facts, options }) {
    const present = CONFLICTING_PACKAGES.filter((name) => installed(facts, name));
    const plan = present.length ? [command(aptRemove(present))] : [];
    if (facts.snapDocker && options.replaceSnapDocker) plan.unshift(command("snap remove docker"));
    if (plan.length === 0) return done("no conflicting packages installed");
    return todo(...plan, {
      kind: "note",
      text: "/var/lib/docker (images, containers, volumes) is kept",
    });
  },
  async apply(ctx) {
    const { facts, options, host } = ctx;
    if (facts.snapDocker && options.replaceSnapDocker) {
      // snap keeps an automatic snapshot of the snap's data on removal.
      await host.run("snap remove docker", {
        privileged: true,
        onOutput: ctx.log,
        timeoutMs: 600_000,
      });
    }
    const present = CONFLICTING_PACKAGES.filter((name) => installed(facts, name));
    if (present.length) {
      await host.run(aptRemove(present), {
        privileged: true,
        onOutput: ctx.log,
        timeoutMs: 900_000,
      });
    }
  },
};
