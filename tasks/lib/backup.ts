import { shellQuote } from "../../src/hosts/shell.js";

export const BACKUP_DIR = "/var/backups/vla-provision";

/** A shell snippet that copies the file (when present) into the backup folder and prints the copy's path. */
export function backupCommand(path: string, stamp: string): string {
  const name = path.replace(/^\//, "").replaceAll("/", "_");
  const target = shellQuote(`${BACKUP_DIR}/${name}.${stamp}`);
  return `if [ -e ${shellQuote(path)} ]; then mkdir -p ${BACKUP_DIR} && cp -a ${shellQuote(path)} ${target} && echo ${target}; fi`;
}

export function timestamp(now = new Date()): string {
  return now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}
