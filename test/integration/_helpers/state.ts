/** What must not change on a host when nothing is to be done: /etc, the dpkg database, dockerd's start. */
export const STATE_SNAPSHOT = [
  "find /etc -xdev -type f -print0 | sort -z | xargs -0 md5sum | md5sum | cut -d' ' -f1",
  "md5sum /var/lib/dpkg/status | cut -d' ' -f1",
  'pid=$(pidof dockerd | cut -d\' \' -f1); [ -n "$pid" ] && ps -o lstart= -p "$pid" || echo no-dockerd',
].join("; ");
