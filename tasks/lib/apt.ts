import type { Facts } from "../../src/facts/facts.js";
import { shellJoin } from "../../src/hosts/shell.js";

/** apt-get that never asks, waits for a held lock, and keeps the user's changed config files. */
export const APT_GET = [
  "DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get -y -q",
  "-o DPkg::Lock::Timeout=600",
  "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold",
].join(" ");

export const aptUpdate = () => `${APT_GET} update`;
export const aptInstall = (packages: readonly string[]) =>
  `${APT_GET} install --no-install-recommends ${shellJoin(packages)}`;
export const aptRemove = (packages: readonly string[]) =>
  `${APT_GET} remove ${shellJoin(packages)}`;

export function installed(facts: Facts, name: string): boolean {
  return facts.packages.get(name)?.installed ?? false;
}

export function installedVersion(facts: Facts, name: string): string | undefined {
  const state = facts.packages.get(name);
  return state?.installed ? state.version : undefined;
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
