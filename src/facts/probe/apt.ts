import { parseAptSourceFile } from "../apt-sources.js";
import { parseDpkgQuery } from "../dpkg.js";
import type { AptLockHolder, ConflictRemoval } from "../facts.js";
import type { Section } from "../sections.js";
import {
  APT_SIMULATION_TIMEOUT_S,
  KEYRING_PATHS,
  LOCK_HOLDERS_SCRIPT,
  TIMED_OUT,
  timedOutMessage,
} from "./constants.js";
import { lines, type ProbeSectionDef } from "./definition.js";

/** The dpkg state of the packages the steps read ($@). */
export const dpkg: ProbeSectionDef<"packages", "dpkg"> = {
  name: "dpkg",
  script: String.raw`
section dpkg
[ $# -gt 0 ] && dpkg-query -W -f='${"$"}{Package}\t${"$"}{db:Status-Abbrev}\t${"$"}{Version}\n' "$@" 2>/dev/null; rc 0
`,
  parse: (read) => ({ packages: parseDpkgQuery(read.body("dpkg")) }),
};

/** What `dpkg --audit` printed: empty when dpkg's database is sound (or could not be read). */
export const dpkgAudit: ProbeSectionDef<"dpkgAudit", "dpkg-audit"> = {
  name: "dpkg-audit",
  script: String.raw`
section dpkg-audit
bounded dpkg --audit 2>&1; rc $?
`,
  parse: (read) => ({
    dpkgAudit: read.code("dpkg-audit") === TIMED_OUT ? "" : read.body("dpkg-audit").trim(),
  }),
};

/** Entries in /var/lib/dpkg/updates: a dpkg run stopped before it finished. */
export const dpkgJournal: ProbeSectionDef<"dpkgJournalPending", "dpkg-journal"> = {
  name: "dpkg-journal",
  script: String.raw`
section dpkg-journal
ls -A /var/lib/dpkg/updates 2>/dev/null | grep -E '^[0-9]+$'; rc 0
`,
  parse: (read) => ({ dpkgJournalPending: read.body("dpkg-journal").trim() !== "" }),
};

/** What apt would remove along with the installed conflicting packages ($removal_candidates). */
export const aptRemove: ProbeSectionDef<"conflictRemoval", "apt-remove"> = {
  name: "apt-remove",
  script: String.raw`
section apt-remove
removable=""
[ -n "$removal_candidates" ] && removable=$(dpkg-query -W -f='${"$"}{Package}\t${"$"}{db:Status-Abbrev}\n' $removal_candidates 2>/dev/null | awk -F'\t' '$2 ~ /^[hi]i/ { print $1 }')
if [ -n "$removable" ]; then
  # No locking: as root a simulation would otherwise take (or fail on) the dpkg lock.
  bounded_apt env LC_ALL=C apt-get -s -q -o Debug::NoLocking=true remove $removable 2>&1; rc $?
else rc 127; fi
`,
  parse: (read) => ({ conflictRemoval: parseConflictRemoval(read.section("apt-remove")) }),
};

/** `Remv <name> [<version>]` lines of `apt-get -s remove`. */
export function parseConflictRemoval(section: Section | undefined): ConflictRemoval | undefined {
  if (!section || section.code === 127) return undefined;
  const removes = [...section.body.matchAll(/^Remv (\S+)/gm)].map((m) => m[1] ?? "");
  if (section.code === 0) return { removes };
  if (section.code === TIMED_OUT) {
    return { removes, error: timedOutMessage("apt-get -s remove", APT_SIMULATION_TIMEOUT_S) };
  }
  const errors = lines(section.body).filter((l) => /^E: /.test(l));
  const detail = errors[0] ?? lines(section.body).at(-1) ?? "";
  return { removes, error: `apt-get -s remove exited with code ${section.code}: ${detail}` };
}

export const snapDocker: ProbeSectionDef<"snapDocker", "snap-docker"> = {
  name: "snap-docker",
  script: String.raw`
section snap-docker
if have snap; then bounded snap list docker 2>/dev/null; rc $?; else rc 127; fi
`,
  parse: (read) => ({
    snapDocker: read.ok("snap-docker") && /^docker\s/m.test(read.body("snap-docker")),
  }),
};

/** Every apt source file, one section each (`apt-source <path>`). */
export const aptSources: ProbeSectionDef<"aptSources" | "aptSourceFiles", "apt-sources"> = {
  name: "apt-sources",
  script: String.raw`
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  section "apt-source $f"; cat "$f"; rc $?
done
`,
  parse(read) {
    const aptSourceFiles = new Map<string, string>();
    for (const section of read.all()) {
      if (section.name.startsWith("apt-source "))
        aptSourceFiles.set(section.name.slice("apt-source ".length), section.body);
    }
    return {
      aptSourceFiles,
      aptSources: [...aptSourceFiles].flatMap(([file, text]) => parseAptSourceFile(file, text)),
    };
  },
};

/** The repository keyrings the steps write, with their mode (`keyring <path>`). */
export const keyrings: ProbeSectionDef<"keyrings", "keyrings"> = {
  name: "keyrings",
  script: String.raw`
for f in __KEYRINGS__; do
  [ -f "$f" ] || continue
  section "keyring $f"; printf 'mode=%s\n' "$(stat -c %a "$f")"; base64 -w0 "$f"; rc $?
done
`.replace("__KEYRINGS__", KEYRING_PATHS.join(" ")),
  parse(read) {
    const keyrings = new Map<string, { mode: string; content: Buffer }>();
    for (const section of read.all()) {
      if (!section.name.startsWith("keyring ") || section.code !== 0) continue;
      const [modeLine = "", data = ""] = section.body.split("\n");
      keyrings.set(section.name.slice("keyring ".length), {
        mode: modeLine.replace("mode=", ""),
        content: Buffer.from(data.trim(), "base64"),
      });
    }
    return { keyrings };
  },
};

/** Processes holding an apt/dpkg lock. */
export const aptLocks: ProbeSectionDef<"aptLocks", "apt-locks"> = {
  name: "apt-locks",
  script: String.raw`
section apt-locks
__LOCK_HOLDERS__
rc 0
`.replace("__LOCK_HOLDERS__", LOCK_HOLDERS_SCRIPT),
  parse: (read) => ({ aptLocks: parseLockHolders(read.body("apt-locks")) }),
};

export function parseLockHolders(body: string): AptLockHolder[] {
  return lines(body).map((line) => {
    const [file = "", pid = "0", command = ""] = line.split("\t");
    return { file, pid: Number(pid), command: command.trim() };
  });
}
