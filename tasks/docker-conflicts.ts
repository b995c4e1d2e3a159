import { command, done, note, type PlanItem, type Step, todo } from "../src/engine/step.js";
import type { Facts } from "../src/facts/facts.js";
import { aptRemove, aptRunTimeoutMs, installed } from "./lib/apt.js";

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

function installedConflicts(facts: Facts): string[] {
  return CONFLICTING_PACKAGES.filter((name) => installed(facts, name));
}

/** Packages apt would remove only because they depend on a conflicting one. */
export function collateralRemovals(facts: Facts): string[] {
  const removes = facts.conflictRemoval?.removes ?? [];
  // apt names a package of a foreign architecture "name:arch".
  return removes.filter((name) => !CONFLICTING_PACKAGES.includes(name.replace(/:[^:]+$/, "")));
}

/** What apt says the removal takes with it, collateral removals set apart. */
function removalNotes(facts: Facts): PlanItem[] {
  const removal = facts.conflictRemoval;
  if (!removal) return [];
  if (removal.error)
    return [note(`apt could not tell what else it would remove: ${removal.error}`)];
  const collateral = collateralRemovals(facts);
  const conflicting = removal.removes.filter((name) => !collateral.includes(name));
  const notes = [note(`apt would remove: ${conflicting.join(", ")}`)];
  if (collateral.length) {
    notes.push(
      note(
        `apt would ALSO remove, as they depend on those (not conflicting packages): ${collateral.join(", ")}`,
      ),
    );
  }
  return notes;
}

export const dockerConflicts: Step = {
  id: "docker-conflicts",
  title: "Remove conflicting Docker packages",
  kind: "change",
  restartsDockerd: true,
  packages: CONFLICTING_PACKAGES,
  check({ facts, options }) {
    const present = installedConflicts(facts);
    const plan: PlanItem[] = present.length
      ? [command(aptRemove(present, options)), ...removalNotes(facts)]
      : [];
    if (facts.snapDocker && options.replaceSnapDocker) plan.unshift(command("snap remove docker"));
    if (plan.length === 0) return done("no conflicting packages installed");
    return todo(...plan, note("/var/lib/docker (images, containers, volumes) is kept"));
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
    const present = installedConflicts(facts);
    if (present.length) {
      await host.run(aptRemove(present, options), {
        privileged: true,
        onOutput: ctx.log,
        timeoutMs: aptRunTimeoutMs(options, 300_000),
      });
    }
  },
};
