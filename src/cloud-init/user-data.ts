import { shellJoin, shellQuote } from "../hosts/shell.js";

export interface UserDataRequest {
  /** The standalone executable to download. */
  url: string;
  /** Its SHA-256, lower-case hex: the download runs only when it matches. */
  sha256: string;
  /** The provisioning options for the run (--json and --yes are added). */
  args: readonly string[];
  /** The tool's version, for the comment at the top. */
  version: string;
}

export const FIRST_BOOT_SCRIPT = "/usr/local/sbin/vla-provision-first-boot";
export const INSTALLED_EXECUTABLE = "/usr/local/bin/vla-provision";
export const REPORT_FILE = "/var/log/vla-provision.json";

/**
 * `#cloud-config` user-data: write_files puts a first-boot script in place and runcmd runs it once.
 * The script fetches the executable (curl, else wget), refuses it unless its SHA-256 is the pinned
 * one, installs it, and runs it with the options; the JSON report goes to /var/log, progress to
 * cloud-init's own log (/var/log/cloud-init-output.log). A failed run fails the runcmd, so
 * `cloud-init status` reports it.
 */
export function renderUserData(request: UserDataRequest): string {
  const script = firstBootScript(request);
  return [
    "#cloud-config",
    `# vla-provision ${request.version}: provisions this machine on first boot (Docker CE, the`,
    `# NVIDIA Container Toolkit). Report: ${REPORT_FILE}; progress: /var/log/cloud-init-output.log`,
    "write_files:",
    `  - path: ${FIRST_BOOT_SCRIPT}`,
    "    owner: root:root",
    '    permissions: "0700"',
    "    content: |",
    ...script.split("\n").map((line) => (line === "" ? "" : `      ${line}`)),
    "runcmd:",
    `  - [${FIRST_BOOT_SCRIPT}]`,
    "",
  ].join("\n");
}

export function firstBootScript({ url, sha256, args }: UserDataRequest): string {
  const names = args.includes("--user");
  return [
    "#!/bin/sh",
    "set -eu",
    `url=${shellQuote(url)}`,
    `sha256=${shellQuote(sha256)}`,
    `exe=${INSTALLED_EXECUTABLE}`,
    `report=${REPORT_FILE}`,
    "tmp=$(mktemp)",
    `trap 'rm -f "$tmp"' EXIT`,
    "if command -v curl >/dev/null 2>&1; then",
    '  curl -fsSL --retry 5 --retry-delay 5 --connect-timeout 20 -o "$tmp" "$url"',
    "else",
    '  wget -q --tries=5 --timeout=20 -O "$tmp" "$url"',
    "fi",
    `actual=$(sha256sum "$tmp" | cut -d ' ' -f 1)`,
    'if [ "$actual" != "$sha256" ]; then',
    '  echo "vla-provision: $url has SHA-256 $actual, not the pinned $sha256: not run" >&2',
    "  exit 1",
    "fi",
    'install -m 0755 "$tmp" "$exe"',
    "set --",
    ...(names
      ? []
      : [
          "# The image's default user (uid 1000, made by cloud-init) joins the docker group.",
          "user=$(getent passwd 1000 | cut -d : -f 1) || user=",
          '[ -z "$user" ] || set -- --user "$user"',
        ]),
    "umask 022",
    `"$exe" ${shellJoin(["--json", "--yes", ...args])} "$@" >"$report"`,
    "",
  ].join("\n");
}
