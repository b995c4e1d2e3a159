import type { Facts } from "../facts/facts.js";
import { shellJoin } from "../hosts/shell.js";

/** The user's --apt-lock-timeout; the CLI's default when a caller has no options at hand. */
export type AptLockWait = { aptLockWaitMs: number };
export const DEFAULT_APT_LOCK_WAIT: AptLockWait = { aptLockWaitMs: 600_000 };

/** apt-get that never asks, waits (up to the user's --apt-lock-timeout) for a held lock, and keeps the user's changed config files. */
export function aptGet(wait: AptLockWait = DEFAULT_APT_LOCK_WAIT): string {
  return [
    "DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get -y -q",
    `-o DPkg::Lock::Timeout=${lockSeconds(wait)}`,
    "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold",
    // Progress for the step's live line (src/engine/progress.ts).
    "-o APT::Status-Fd=1",
  ].join(" ");
}

/** apt wants whole seconds. */
function lockSeconds(wait: AptLockWait): number {
  return Math.max(0, Math.ceil(wait.aptLockWaitMs / 1000));
}

/** With the default lock wait; the steps use aptGet(ctx.options). */
export const APT_GET = aptGet();

export const aptUpdate = (wait?: AptLockWait) => `${aptGet(wait)} update`;
export const aptInstall = (packages: readonly string[], wait?: AptLockWait) =>
  `${aptGet(wait)} install --no-install-recommends ${shellJoin(packages)}`;
export const aptRemove = (packages: readonly string[], wait?: AptLockWait) =>
  `${aptGet(wait)} remove ${shellJoin(packages)}`;

/** Finish what an interrupted dpkg left half done (unpacked or half-configured packages). */
export const DPKG_CONFIGURE_PENDING =
  "DEBIAN_FRONTEND=noninteractive dpkg --configure -a --force-confdef --force-confold";

/**
 * A host.run bound for `calls` apt commands in a row: each may wait for the lock as long as the
 * user allows, then gets `workMs` to do its work.
 */
export function aptRunTimeoutMs(wait: AptLockWait, workMs: number, calls = 1): number {
  return calls * (wait.aptLockWaitMs + workMs);
}

export function installed(facts: Facts, name: string): boolean {
  return facts.packages.get(name)?.installed ?? false;
}

export function installedVersion(facts: Facts, name: string): string | undefined {
  const state = facts.packages.get(name);
  return state?.installed ? state.version : undefined;
}

/** The first package (or line) dpkg --audit names, or why dpkg's journal says it was interrupted. */
export function interruptedDpkg(facts: Facts): string | undefined {
  if (facts.dpkgAudit) {
    const lines = facts.dpkgAudit.split("\n");
    const firstPackage = lines
      .find((line) => /^ \S/.test(line))
      ?.trim()
      .split(/\s+/)[0];
    return firstPackage ?? lines.find((line) => line.trim())?.trim();
  }
  if (facts.dpkgJournalPending) return "unfinished entries in /var/lib/dpkg/updates";
  return undefined;
}

/** Parse an apt `Packages` index into package name -> versions offered. */
export function parsePackagesIndex(text: string): Map<string, string[]> {
  const offered = new Map<string, string[]>();
  for (const stanza of text.split(/\n\s*\n/)) {
    const name = /^Package:\s*(\S+)/m.exec(stanza)?.[1];
    const version = /^Version:\s*(\S+)/m.exec(stanza)?.[1];
    if (!name || !version) continue;
    offered.set(name, [...(offered.get(name) ?? []), version]);
  }
  return offered;
}

/** Parse `apt-cache madison <pkg>` lines: "docker-ce | 5:27.5.1-1~ubuntu.24.04~noble | <uri> ...". */
export function parseMadison(text: string): Map<string, string[]> {
  const offered = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const [name, version] = line.split("|").map((f) => f.trim());
    if (!name || !version) continue;
    offered.set(name, [...(offered.get(name) ?? []), version]);
  }
  return offered;
}
