import { DAEMON_JSON } from "./actions/dockerd.js";
import { DPKG_CONFIGURE_PENDING, installedVersion, interruptedDpkg } from "./apt/apt.js";
import { decideCudaImage, resolvePins } from "./decisions.js";
import { describeOs, unsupportedReason } from "./distro.js";
import { configuredDataRoot } from "./docker/daemon-settings.js";
import { dataRootContents } from "./docker/data-root.js";
import { collateralRemovals, DOCKER_PACKAGES } from "./docker/repository.js";
import type { StepContext } from "./engine/step.js";
import { RefusedError, UsageError } from "./errors.js";
import { type Facts, parseLockHolders } from "./facts/facts.js";
import { LOCK_HOLDERS_SCRIPT } from "./facts/probe-script.js";
import { InterruptedError, interruption } from "./interrupt.js";

/** Room for Docker's and the toolkit's packages and their unpacking. */
export const MIN_FREE_KB = 1024 * 1024;

/** Docker's packages are still to be installed (then they need MIN_FREE_KB). */
export function needsDockerPackages(facts: Facts): boolean {
  return DOCKER_PACKAGES.some((name) => !installedVersion(facts, name));
}

/**
 * Everything that must hold before the first change: refuse (exit 3) or reject the input (exit 2)
 * here, so a run that cannot succeed leaves the host untouched. Returns a one-line summary.
 */
export async function preflight(ctx: StepContext): Promise<string> {
  const { facts, options, host } = ctx;
  const unsupported = unsupportedReason(facts);
  if (unsupported) throw new RefusedError(unsupported);
  if (host.privilege.mode === "none" && !options.dryRun) {
    throw new RefusedError(
      `${host.loginUser} cannot become root on this host: log in as root or as a user with sudo rights`,
    );
  }
  checkTargetUser(ctx);
  if (facts.snapDocker && !options.replaceSnapDocker) {
    throw new RefusedError(
      "Docker is installed as a snap, which conflicts with Docker CE. Move your data off it and run again with --replace-snap-docker (it runs `snap remove docker`, which keeps an automatic snapshot), or remove it yourself",
    );
  }
  const needsPackages = needsDockerPackages(facts);
  for (const [mount, kb] of Object.entries(facts.freeDiskKb)) {
    if (needsPackages && kb < MIN_FREE_KB) {
      throw new RefusedError(
        `only ${Math.round(kb / 1024)} MiB free on ${mount}; Docker's packages need at least 1 GiB`,
      );
    }
  }
  checkDataRoot(facts, options.dataRoot, options.moveData);
  if (
    (options.registryMirrors.length || options.logRotation || options.dataRoot || options.nvidia) &&
    !facts.daemonConfig.ok
  ) {
    throw new RefusedError(
      `${DAEMON_JSON}: ${facts.daemonConfig.error}; fix it first, nothing was changed`,
    );
  }
  const gpu = checkGpu(ctx);
  checkCollateralRemovals(ctx);
  await resolvePins(host, facts, options, ctx.decisions);
  // A dpkg that is running right now looks interrupted to dpkg --audit: read it again once apt is free.
  if (await waitForAptLocks(ctx)) await ctx.refreshFacts();
  await handleInterruptedDpkg(ctx);
  return `${describeOs(facts)}, ${host.privilege.mode}${gpu ? `; ${gpu}` : ""}`;
}

/**
 * A new data root starts empty: switching while the current one holds images, containers or
 * volumes would hide them (they stay on the old root, but dockerd no longer sees them).
 */
function checkDataRoot(facts: Facts, wanted: string | undefined, moveData: boolean): void {
  if (wanted === undefined || !facts.daemonConfig.ok) return;
  const current = configuredDataRoot(facts.daemonConfig.value);
  if (current === wanted) return;
  const held = dataRootContents(facts);
  if (held === undefined)
    throw new RefusedError(
      `--data-root: cannot tell what ${current} holds (dockerd ${facts.docker.serverVersion ? "answered, but its volumes need root to be counted" : "is installed but does not answer"}); start dockerd or leave out --data-root; nothing was changed`,
    );
  if (held && !moveData)
    throw new RefusedError(
      `--data-root ${wanted}: dockerd's data root ${current} holds ${held}; switching would hide them. Add --move-data to copy them over (dockerd stops meanwhile; ${current} is kept), or leave out --data-root`,
    );
}

function checkTargetUser(ctx: StepContext): void {
  if (ctx.facts.targetUser) return;
  if (ctx.facts.timedOut.includes("target-user")) {
    throw new RefusedError(
      `looking up the user ${ctx.decisions.targetUser} did not answer (timed out): check the host's user directory (NSS, sssd, LDAP)`,
    );
  }
  throw new UsageError(`the user ${ctx.decisions.targetUser} does not exist on this host (--user)`);
}

/** Refuse (or, in a dry run, warn) when removing the conflicting packages would take others with it. */
function checkCollateralRemovals(ctx: StepContext): void {
  if (ctx.options.yes) return;
  const problem = collateralProblem(ctx.facts);
  if (!problem) return;
  if (ctx.options.dryRun) ctx.notice(`${problem} (a real run would refuse)`);
  else throw new RefusedError(problem);
}

function collateralProblem(facts: Facts): string | undefined {
  const error = facts.conflictRemoval?.error;
  if (error) {
    return `could not tell what removing the conflicting Docker packages would also remove (${error}); run again with --yes to allow it`;
  }
  const collateral = collateralRemovals(facts);
  if (collateral.length === 0) return undefined;
  return `removing the conflicting Docker packages would also remove: ${collateral.join(", ")}; run again with --yes to allow it`;
}

/** dpkg --configure -a runs maintainer scripts (a DKMS build takes minutes). */
const DPKG_REPAIR_TIMEOUT_MS = 1_800_000;

/** A dpkg run that stopped half way makes every apt command fail: refuse, or with --yes finish it. */
async function handleInterruptedDpkg(ctx: StepContext): Promise<void> {
  const { options } = ctx;
  const where = interruptedDpkg(ctx.facts);
  if (!where) return;
  if (options.dryRun) {
    const would = options.yes ? "run `dpkg --configure -a` first" : "refuse";
    ctx.notice(`dpkg was interrupted (${where}): a real run would ${would}`);
    return;
  }
  if (!options.yes) {
    throw new RefusedError(
      `dpkg was interrupted (${where}): run \`sudo dpkg --configure -a\`, or run again with --yes to let vla-provision run it`,
    );
  }
  await ctx.host.run(DPKG_CONFIGURE_PENDING, {
    privileged: true,
    onOutput: ctx.log,
    timeoutMs: DPKG_REPAIR_TIMEOUT_MS,
    label: "dpkg --configure -a",
  });
  ctx.notice("repaired an interrupted dpkg: ran dpkg --configure -a");
  await ctx.refreshFacts();
  const left = interruptedDpkg(ctx.facts);
  if (left) {
    throw new RefusedError(
      `dpkg is still not sound after dpkg --configure -a (${left}): see \`sudo dpkg --audit\` and fix it by hand`,
    );
  }
}

function checkGpu(ctx: StepContext): string | undefined {
  const { options } = ctx;
  if (!options.nvidia) return undefined;
  const state = ctx.facts.gpuState;
  switch (state.kind) {
    case "none":
      if (options.requireGpu)
        throw new RefusedError("no NVIDIA GPU found on this host (--require-gpu)");
      return "no NVIDIA GPU: the NVIDIA steps will be skipped";
    case "no-driver":
    case "blackwell-needs-open-module":
      throw new RefusedError(state.message);
    case "ready": {
      decideCudaImage(ctx.facts, options, ctx.decisions);
      const choice = ctx.decisions.cudaImage;
      const module =
        state.openKernelModule === undefined
          ? "module type unknown"
          : state.openKernelModule
            ? "open kernel module"
            : "proprietary kernel module";
      return `${choice?.reason}; ${module}`;
    }
  }
}

const LOCK_POLL_SECONDS = 5;

/**
 * Wait (bounded) while another apt/dpkg (often unattended-upgrades) holds the lock; never kill it.
 * True when it waited.
 */
async function waitForAptLocks(ctx: StepContext): Promise<boolean> {
  let holders = ctx.facts.aptLocks;
  if (holders.length === 0) return false;
  if (ctx.options.dryRun) {
    ctx.notice(`apt is busy: ${describeHolders(holders)}; a real run would wait for it`);
    return false;
  }
  const deadline = Date.now() + ctx.options.aptLockWaitMs;
  while (holders.length > 0) {
    if (interruption().requested) throw new InterruptedError("interrupted while waiting for apt");
    if (Date.now() >= deadline) {
      throw new RefusedError(
        `apt is still locked after ${Math.round(ctx.options.aptLockWaitMs / 1000)}s by ${describeHolders(holders)}; let it finish (it may be unattended-upgrades) and run again, or raise --apt-lock-timeout`,
      );
    }
    ctx.log(`waiting for apt: held by ${describeHolders(holders)}`);
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_SECONDS * 1000));
    const result = await ctx.host.run(LOCK_HOLDERS_SCRIPT, {
      check: false,
      label: "apt lock check",
    });
    holders = parseLockHolders(result.stdout);
  }
  return true;
}

function describeHolders(holders: StepContext["facts"]["aptLocks"]): string {
  const unique = new Map(holders.map((h) => [h.pid, h.command || "?"]));
  return [...unique].map(([pid, command]) => `pid ${pid} (${command})`).join(", ");
}
