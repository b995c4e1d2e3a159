/**
 * The one batched probe: a POSIX sh script that prints every fact the steps need, in sections,
 * in ONE round trip. It runs as the login user; where passwordless sudo is available it reads the
 * root-only facts through `sudo -n`. Each section is `@@vla <name>` ... `@@vla-rc <code>`.
 * Arguments: $1 the account that will be added to the docker group, then the packages whose
 * dpkg state the steps read.
 */

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

export const PROBE_SCRIPT = String.raw`
user="$1"
shift
section() { printf '\n@@vla %s\n' "$1"; }
rc() { printf '\n@@vla-rc %s\n' "$1"; }
have() { command -v "$1" >/dev/null 2>&1; }
SUDO=""
section identity
uid=$(id -u); printf 'uid=%s\nuser=%s\n' "$uid" "$(id -un)"
if [ "$uid" != 0 ]; then
  if have sudo; then
    printf 'sudo=present\n'
    if sudo -n true >/dev/null 2>&1; then printf 'sudo_nopasswd=yes\n'; SUDO="sudo -n"; else printf 'sudo_nopasswd=no\n'; fi
  else
    printf 'sudo=absent\n'
  fi
fi
rc 0
section os-release
cat /etc/os-release 2>/dev/null; rc $?
section arch
{ dpkg --print-architecture 2>/dev/null || echo unknown; uname -m; }; rc 0
section init
printf 'pid1=%s\n' "$(cat /proc/1/comm 2>/dev/null)"
if [ -d /run/systemd/system ]; then printf 'systemd_booted=yes\n'; else printf 'systemd_booted=no\n'; fi
if have systemctl && [ -d /run/systemd/system ]; then
  printf 'system_state=%s\n' "$(systemctl is-system-running 2>/dev/null)"
  printf 'docker_active=%s\n' "$(systemctl is-active docker 2>/dev/null)"
  printf 'docker_enabled=%s\n' "$(systemctl is-enabled docker 2>/dev/null)"
fi
[ -x /etc/init.d/docker ] && printf 'docker_initscript=yes\n'
pid=$(pidof dockerd 2>/dev/null | cut -d' ' -f1)
if [ -n "$pid" ]; then printf 'dockerd_pid=%s\ndockerd_started=%s\n' "$pid" "$(ps -o lstart= -p "$pid" 2>/dev/null)"; fi
rc 0
section dpkg
[ $# -gt 0 ] && dpkg-query -W -f='${"$"}{Package}\t${"$"}{db:Status-Abbrev}\t${"$"}{Version}\n' "$@" 2>/dev/null; rc 0
section snap-docker
if have snap; then snap list docker 2>/dev/null; rc $?; else rc 127; fi
section docker-client
if [ "$probe_details" = 1 ] && have docker; then docker --version 2>/dev/null; rc $?; else rc 127; fi
section docker-server
if have docker; then
  if [ "$uid" = 0 ] || [ -n "$SUDO" ]; then
    $SUDO docker info --format '{{.ServerVersion}}|{{json .Runtimes}}|{{json .RegistryConfig.Mirrors}}' 2>&1
  else
    docker info --format '{{.ServerVersion}}|{{json .Runtimes}}|{{json .RegistryConfig.Mirrors}}' 2>&1
  fi
  rc $?
else rc 127; fi
section docker-images
if [ "$probe_details" = 1 ] && have docker && { [ "$uid" = 0 ] || [ -n "$SUDO" ]; }; then $SUDO docker image ls --format '{{.Repository}}:{{.Tag}}' 2>/dev/null; rc $?; else rc 127; fi
section docker-group
getent group docker; rc $?
section target-user
if [ -n "$user" ]; then getent passwd "$user" >/dev/null && id -nG "$user"; rc $?; else rc 2; fi
section daemon-json
if [ -e /etc/docker/daemon.json ]; then
  if [ -r /etc/docker/daemon.json ]; then cat /etc/docker/daemon.json; rc $?; else $SUDO cat /etc/docker/daemon.json; rc $?; fi
else rc 3; fi
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  section "apt-source $f"; cat "$f"; rc $?
done
for f in __KEYRINGS__; do
  [ -f "$f" ] || continue
  section "keyring $f"; printf 'mode=%s\n' "$(stat -c %a "$f")"; base64 -w0 "$f"; rc $?
done
section gpu
if have nvidia-smi; then
  printf 'nvidia_smi=present\n'
  out=$(nvidia-smi --query-gpu=index,name,driver_version,compute_cap,memory.total --format=csv,noheader 2>&1)
  printf 'query_rc=%s\n' "$?"
  printf '%s\n' "$out" | sed 's/^/query: /'
else printf 'nvidia_smi=absent\n'; fi
if [ -r /proc/driver/nvidia/version ]; then sed 's/^/proc: /' /proc/driver/nvidia/version; fi
if have lspci; then printf 'lspci=present\n'; lspci -nn 2>/dev/null | grep -Ei '\[10de:[0-9a-f]{4}\]' | grep -Ei 'vga|3d|display' | sed 's/^/pci: /'; else printf 'lspci=absent\n'; fi
rc 0
section nvidia-ctk
if have nvidia-ctk; then nvidia-ctk --version 2>&1; rc $?; else rc 127; fi
section apt-locks
__LOCK_HOLDERS__
rc 0
section disk
df -Pk /var/lib /var/cache/apt 2>/dev/null | awk 'NR > 1 { print $6 "\t" $4 }'; rc 0
`
  .replace("__KEYRINGS__", KEYRING_PATHS.join(" "))
  .replace("__LOCK_HOLDERS__", LOCK_HOLDERS_SCRIPT);
