import { installedVersion } from "../../src/apt/apt.js";
import { satisfiesRange } from "../../src/apt/versions.js";
import { done, type PlanContext, type StepPlan, todo } from "../../src/engine/step.js";

export interface PackageSet {
  packages: readonly string[];
  /** The packages that take the pinned version (the ones the range is about). */
  pinned: readonly string[];
  /** The semver range asked for, if any. */
  range?: string;
}

function unsatisfied({ facts }: PlanContext, set: PackageSet): string[] {
  return set.packages.filter((name) => {
    const version = installedVersion(facts, name);
    if (!version) return true;
    return (
      set.range !== undefined && set.pinned.includes(name) && !satisfiesRange(version, set.range)
    );
  });
}

/**
 * Done when every package is installed (the pinned ones within the range). Otherwise install the
 * set, the pinned packages at the version preflight resolved, or at the range apt resolves.
 */
export function planPackageSet(ctx: PlanContext, set: PackageSet): StepPlan {
  const missing = unsatisfied(ctx, set);
  if (missing.length === 0) {
    const versions = set.pinned
      .map((name) => `${name} ${installedVersion(ctx.facts, name)}`)
      .join(", ");
    return done(`installed: ${versions}${set.range ? ` (satisfies "${set.range}")` : ""}`);
  }
  const version = ctx.decisions.versions[set.pinned[0] ?? ""];
  const pin = (name: string) =>
    set.range && set.pinned.includes(name)
      ? { name, ...(version ? { version } : { range: set.range }) }
      : { name };
  return todo(
    { kind: "apt-update" },
    {
      kind: "apt-install",
      packages: set.packages.map(pin),
      noRecommends: false,
      allowDowngrades: set.range !== undefined,
    },
  );
}
