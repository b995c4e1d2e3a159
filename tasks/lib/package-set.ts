import type { CheckResult, StepContext } from "../../src/engine/step.js";
import { command, done, todo } from "../../src/engine/step.js";
import { StepError } from "../../src/errors.js";
import { shellJoin } from "../../src/hosts/shell.js";
import {
  type AptLockWait,
  aptGet,
  aptRunTimeoutMs,
  aptUpdate,
  installedVersion,
  parseMadison,
} from "./apt.js";
import { resolveVersion, satisfiesRange } from "./versions.js";

export interface PackageSet {
  packages: readonly string[];
  /** The packages that take the pinned version (the ones the range is about). */
  pinned: readonly string[];
  /** The semver range asked for, if any. */
  range?: string;
  /** Where preflight stored the exact apt version the range resolved to. */
  decisionKey: string;
}

function unsatisfied(ctx: StepContext, set: PackageSet): string[] {
  return set.packages.filter((name) => {
    const version = installedVersion(ctx.facts, name);
    if (!version) return true;
    return (
      set.range !== undefined && set.pinned.includes(name) && !satisfiesRange(version, set.range)
    );
  });
}

/** apt-cache reads the lists on disk: no lock, no network. */
const MADISON_TIMEOUT_MS = 120_000;

function installCommand(set: PackageSet, version: string | undefined, wait: AptLockWait): string {
  const words = set.packages.map((name) =>
    version && set.pinned.includes(name) ? `${name}=${version}` : name,
  );
  const downgrade = version ? " --allow-downgrades" : "";
  return `${aptGet(wait)} install${downgrade} ${shellJoin(words)}`;
}

export function checkPackageSet(ctx: StepContext, set: PackageSet): CheckResult {
  const missing = unsatisfied(ctx, set);
  if (missing.length === 0) {
    const versions = set.pinned
      .map((name) => `${name} ${installedVersion(ctx.facts, name)}`)
      .join(", ");
    return done(`installed: ${versions}${set.range ? ` (satisfies "${set.range}")` : ""}`);
  }
  const version = ctx.decisions.get(set.decisionKey);
  const shownVersion = set.range ? (version ?? `<newest matching "${set.range}">`) : undefined;
  return todo(
    command(aptUpdate(ctx.options)),
    command(installCommand(set, shownVersion, ctx.options)),
  );
}

export async function installPackageSet(ctx: StepContext, set: PackageSet): Promise<void> {
  const run = (script: string) =>
    ctx.host.run(script, {
      privileged: true,
      onOutput: ctx.log,
      timeoutMs: aptRunTimeoutMs(ctx.options, 1_200_000),
      label: script.split(" ").slice(-6).join(" "),
    });
  await run(aptUpdate(ctx.options));
  let version = ctx.decisions.get(set.decisionKey);
  if (set.range && !version) {
    const first = set.pinned[0] ?? "";
    const madison = await ctx.host.run(`apt-cache madison ${shellJoin([first])}`, {
      label: "apt-cache madison",
      timeoutMs: MADISON_TIMEOUT_MS,
    });
    const resolution = resolveVersion(
      first,
      set.range,
      parseMadison(madison.stdout).get(first) ?? [],
    );
    if (!resolution.ok) throw new StepError(resolution.error);
    version = resolution.version;
    ctx.decisions.set(set.decisionKey, version);
  }
  await run(installCommand(set, version, ctx.options));
}
