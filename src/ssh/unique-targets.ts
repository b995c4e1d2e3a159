import { existsSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import type { ConnectOptions } from "../hosts/connect.js";
import { loadSshConfig, resolveSshConfig, type SshConfigDocument } from "./config.js";
import { parseSshTarget, sameHostKey } from "./target.js";

export interface UniqueTargets {
  /** The `--ssh` values to run, each the first one given for its host. */
  targets: string[];
  /** One line for each value dropped because an earlier one reaches the same host. */
  dropped: string[];
}

/**
 * Drops `--ssh` values that reach the same account on the same host and port as an earlier one
 * (`h`, `h:22`, `me@H`). The user and port a value leaves out are the ones ssh_config gives for it,
 * else the local user and 22; a Host alias is not resolved to its HostName.
 */
export async function uniqueTargets(
  values: string[],
  connect: ConnectOptions,
): Promise<UniqueTargets> {
  const parsed = values.map((value) => ({ value, target: parseSshTarget(value) }));
  if (values.length < 2) return { targets: values, dropped: [] };
  const config = await readConfig(connect);
  const localUser = userInfo().username;
  const firstByKey = new Map<string, string>();
  const dropped: string[] = [];
  for (const { value, target } of parsed) {
    const resolved = config && resolveSshConfig(config, target.host);
    const key = sameHostKey(target, {
      user: resolved?.user ?? localUser,
      port: resolved?.port ?? 22,
    });
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, value);
    else
      dropped.push(
        `--ssh ${JSON.stringify(value)} reaches the same host as ${JSON.stringify(first)}: it runs once`,
      );
  }
  return { targets: [...firstByKey.values()], dropped };
}

/** The same file the connection reads (connect.ts): --ssh-config, else ~/.ssh/config if present. */
async function readConfig(connect: ConnectOptions): Promise<SshConfigDocument | undefined> {
  const path = connect.sshConfig ?? join(homedir(), ".ssh", "config");
  if (!connect.sshConfig && !existsSync(path)) return undefined;
  return loadSshConfig(path);
}
