import { shellQuote } from "../hosts/shell.js";

export const BACKUP_DIR = "/var/backups/vla-provision";

/** The host's own UTC time stamp, so that a command's text is the same in the plan and in the run. */
export const HOST_STAMP = "$(date -u +%Y%m%dT%H%M%SZ)";

/** A shell snippet that copies the file (when present) into the backup folder and prints the copy's path. */
export function backupCommand(path: string): string {
  const name = path.replace(/^\//, "").replaceAll("/", "_");
  const copy = `${shellQuote(`${BACKUP_DIR}/${name}.`)}"$stamp"`;
  return `if [ -e ${shellQuote(path)} ]; then stamp=${HOST_STAMP}; mkdir -p ${BACKUP_DIR} && cp -a ${shellQuote(path)} ${copy} && echo ${copy}; fi`;
}
