import { PROXY_VARIABLES } from "../../hosts/host.js";
import { parseOsRelease } from "../os-release.js";
import { keyValues } from "../sections.js";
import type { ProbeSectionDef } from "./definition.js";

/** Who the probe runs as, and whether sudo works without a password (sets $SUDO for root-only reads). */
export const identity: ProbeSectionDef<"identity", "identity"> = {
  name: "identity",
  script: String.raw`
SUDO=""
section identity
uid=$(id -u); printf 'uid=%s\nuser=%s\n' "$uid" "$(id -un)"
if [ "$uid" != 0 ]; then
  if have sudo; then
    printf 'sudo=present\n'
    if bounded sudo -n true >/dev/null 2>&1; then printf 'sudo_nopasswd=yes\n'; SUDO="sudo -n"; else printf 'sudo_nopasswd=no\n'; fi
  else
    printf 'sudo=absent\n'
  fi
fi
rc 0
`,
  parse(read) {
    const values = keyValues(read.body("identity"));
    const uid = Number(values.uid ?? -1);
    return {
      identity: {
        uid,
        user: values.user ?? "",
        sudo: uid === 0 ? "not-needed" : values.sudo === "present" ? "present" : "absent",
        sudoNoPassword: values.sudo_nopasswd === "yes",
      },
    };
  },
};

/** The login user's proxy variables (they may hold credentials: never shown). */
export const proxyEnv: ProbeSectionDef<"proxyEnv", "proxy-env"> = {
  name: "proxy-env",
  script: String.raw`
section proxy-env
for name in __PROXY_VARIABLES__; do
  eval "value=\${$name-}"
  [ -n "$value" ] && printf '%s=%s\n' "$name" "$value"
done
rc 0
`.replace("__PROXY_VARIABLES__", PROXY_VARIABLES.join(" ")),
  parse: (read) => ({ proxyEnv: keyValues(read.body("proxy-env")) }),
};

export const osRelease: ProbeSectionDef<"os", "os-release"> = {
  name: "os-release",
  script: String.raw`
section os-release
cat /etc/os-release 2>/dev/null; rc $?
`,
  parse: (read) => ({ os: parseOsRelease(read.body("os-release")) }),
};

export const arch: ProbeSectionDef<"arch", "arch"> = {
  name: "arch",
  script: String.raw`
section arch
{ dpkg --print-architecture 2>/dev/null || echo unknown; uname -m; }; rc 0
`,
  parse(read) {
    const [dpkg = "unknown", machine = ""] = read.body("arch").trim().split("\n");
    return { arch: { dpkg: dpkg.trim(), machine: machine.trim() } };
  },
};

/** PID 1, systemd, and dockerd's unit and process. */
export const init: ProbeSectionDef<"init", "init"> = {
  name: "init",
  script: String.raw`
section init
printf 'pid1=%s\n' "$(cat /proc/1/comm 2>/dev/null)"
if [ -d /run/systemd/system ]; then printf 'systemd_booted=yes\n'; else printf 'systemd_booted=no\n'; fi
if have systemctl && [ -d /run/systemd/system ]; then
  printf 'system_state=%s\n' "$(bounded systemctl is-system-running 2>/dev/null)"
  printf 'docker_active=%s\n' "$(bounded systemctl is-active docker 2>/dev/null)"
  printf 'docker_enabled=%s\n' "$(bounded systemctl is-enabled docker 2>/dev/null)"
fi
[ -x /etc/init.d/docker ] && printf 'docker_initscript=yes\n'
pid=$(pidof dockerd 2>/dev/null | cut -d' ' -f1)
if [ -n "$pid" ]; then printf 'dockerd_pid=%s\ndockerd_started=%s\n' "$pid" "$(ps -o lstart= -p "$pid" 2>/dev/null)"; fi
rc 0
`,
  parse(read) {
    const values = keyValues(read.body("init"));
    return {
      init: {
        pid1: values.pid1 ?? "",
        systemd: values.systemd_booted === "yes",
        systemState: values.system_state,
        dockerActive: values.docker_active,
        dockerEnabled: values.docker_enabled,
        dockerInitScript: values.docker_initscript === "yes",
        dockerdPid: values.dockerd_pid ? Number(values.dockerd_pid) : undefined,
        dockerdStarted: values.dockerd_started,
      },
    };
  },
};

/** Free space where images and apt's downloads go. */
export const disk: ProbeSectionDef<"freeDiskKb", "disk"> = {
  name: "disk",
  script: String.raw`
section disk
bounded df -Pk /var/lib /var/cache/apt 2>/dev/null | awk 'NR > 1 { print $6 "\t" $4 }'; rc 0
`,
  parse(read) {
    const freeDiskKb: Record<string, number> = {};
    for (const line of read.lines("disk")) {
      const [mount = "", kb = "0"] = line.split("\t");
      freeDiskKb[mount] = Number(kb);
    }
    return { freeDiskKb };
  },
};
