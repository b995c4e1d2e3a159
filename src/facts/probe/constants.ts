/**
 * Constants of the one batched probe (src/facts/probe-script.ts): a POSIX sh script that prints every fact the steps need, in sections,
 * in ONE round trip. It runs as the login user; where passwordless sudo is available it reads the
 * root-only facts through `sudo -n`. Each section is `@@vla <name>` ... `@@vla-rc <code>`.
 * Arguments: $1 the account that will be added to the docker group, then the packages whose
 * dpkg state the steps read. Variables: $probe_details (1: also the docker client's version and
 * the images), $removal_candidates (packages whose removal apt is asked to simulate when installed).
 *
 * Every command that waits on a daemon (dockerd, snapd, systemd, nvidia-smi's driver, NSS lookups,
 * sudo) runs under `timeout`, so a frozen daemon costs at most PROBE_COMMAND_TIMEOUT_S seconds and
 * its section ends with exit code 124.
 */

/** How long one probe command may wait for a daemon before its section reports a timeout. */
export const PROBE_COMMAND_TIMEOUT_S = 10;

/** apt's simulation builds its cache (seconds on a big host) rather than waiting on a daemon. */
export const APT_SIMULATION_TIMEOUT_S = 30;

/** The exit code of coreutils `timeout` when it had to stop the command. */
export const TIMED_OUT = 124;

export const KEYRING_PATHS = [
  "/etc/apt/keyrings/docker.asc",
  "/etc/apt/keyrings/docker.gpg",
  "/usr/share/keyrings/docker-archive-keyring.gpg",
  "/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg",
] as const;

export const APT_LOCK_FILES = [
  "/var/lib/dpkg/lock-frontend",
  "/var/lib/dpkg/lock",
  "/var/lib/apt/lists/lock",
  "/var/cache/apt/archives/lock",
] as const;

/** Prints `file<TAB>pid<TAB>command` for each process holding an apt/dpkg lock (read from /proc/locks, no root needed). */
export const LOCK_HOLDERS_SCRIPT = String.raw`for f in ${APT_LOCK_FILES.join(" ")}; do
  [ -e "$f" ] || continue
  ino=$(stat -c %i "$f")
  for pid in $(awk -v ino="$ino" '{ for (i = 1; i <= NF; i++) if ($i ~ ":" ino "$") print $(i-1) }' /proc/locks 2>/dev/null | sort -u); do
    printf '%s\t%s\t%s\n' "$f" "$pid" "$(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null)"
  done
done`;

/** "<what> did not answer within 10 s (timed out)": how every probe timeout reads. */
export function timedOutMessage(what: string, seconds = PROBE_COMMAND_TIMEOUT_S): string {
  return `${what} did not answer within ${seconds} s (timed out)`;
}
