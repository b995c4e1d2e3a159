import { type Action, note } from "../src/actions/types.js";
import { installed } from "../src/apt/apt.js";
import { CONFLICTING_PACKAGES, collateralRemovals } from "../src/docker/repository.js";
import { done, type Step, todo } from "../src/engine/step.js";
import type { Facts } from "../src/facts/facts.js";

/** What apt says the removal takes with it, collateral removals set apart. */
function removalNotes(facts: Facts): Action[] {
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
  plan({ facts, options }) {
    const actions: Action[] = [];
    if (facts.snapDocker && options.replaceSnapDocker)
      actions.push({ kind: "snap-remove", snap: "docker" });
    const present = CONFLICTING_PACKAGES.filter((name) => installed(facts, name));
    if (present.length)
      actions.push({ kind: "apt-remove", packages: present }, ...removalNotes(facts));
    if (actions.length === 0) return done("no conflicting packages installed");
    return todo(...actions, note("/var/lib/docker (images, containers, volumes) is kept"));
  },
};
