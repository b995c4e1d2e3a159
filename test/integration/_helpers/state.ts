/**
 * What must not change on a host when nothing is to be done, read in ONE command (one `docker
 * exec`), as text whose lines name what they describe, so a failed comparison shows the path:
 *
 * - /etc and /usr/share/keyrings (so /etc/apt, /etc/docker and systemd's enablement links under
 *   /etc/systemd too): every file, directory and symbolic link with its mode, owner, group, type
 *   and link target (`%p %m %u %g %y %l`), then every regular file's md5sum;
 * - the dpkg database (/var/lib/dpkg/status);
 * - /var/lib/docker: names, modes and owners three levels deep (containers, volumes, image layers
 *   and their directories; never their contents). Nothing there changed by itself between two
 *   snapshots of an idle host with dockerd running (checked on debian12 after a provisioning run);
 * - when dockerd started (a restart changes it).
 */
export const STATE_SNAPSHOT = [
  "echo '## /etc /usr/share/keyrings: path mode owner group type link'",
  "find /etc /usr/share/keyrings -xdev -printf '%p %m %u %g %y %l\\n' 2>&1 | LC_ALL=C sort",
  "echo '## contents'",
  "find /etc /usr/share/keyrings -xdev -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum 2>&1",
  "echo '## dpkg'",
  "md5sum /var/lib/dpkg/status",
  "echo '## /var/lib/docker: path mode owner group type'",
  "if [ -d /var/lib/docker ]; then find /var/lib/docker -xdev -maxdepth 3 -printf '%p %m %u %g %y\\n' 2>&1 | LC_ALL=C sort; else echo 'no /var/lib/docker'; fi",
  "echo '## dockerd started'",
  'pid=$(pidof dockerd | cut -d\' \' -f1); [ -n "$pid" ] && ps -o lstart= -p "$pid" || echo no-dockerd',
].join("\n");

/** The lines of `after` that differ from `before` (`- ` gone, `+ ` new): a short failure message. */
export function snapshotChanges(before: string, after: string): string[] {
  const old = new Set(before.split("\n"));
  const now = new Set(after.split("\n"));
  return [
    ...[...old].filter((line) => !now.has(line)).map((line) => `- ${line}`),
    ...[...now].filter((line) => !old.has(line)).map((line) => `+ ${line}`),
  ];
}
