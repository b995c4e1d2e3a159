/**
 * What a person sees in a real terminal: the CLI runs in a tmux pane, keys are typed with
 * send-keys and the screen is read with capture-pane.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCommand, requireTool, runsWith } from "../_helpers/tools.js";
import { CLI, sshFlags } from "./_helpers/cli.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });

/** A detached tmux session running `command` in a 200x60 terminal, without CI (so: a live tree). */
function openPane(name: string, command: string[]): { screen(): string; type(keys: string): void } {
  const quoted = command.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(" ");
  tmux(
    "new-session",
    "-d",
    "-s",
    name,
    "-x",
    "200",
    "-y",
    "60",
    `env -u CI NO_COLOR=1 SSH_AUTH_SOCK= ${quoted}; echo "[exit $?]"; sleep 600`,
  );
  return {
    screen: () => tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", name),
    type: (keys: string) => {
      tmux("send-keys", "-t", name, "-l", keys);
      tmux("send-keys", "-t", name, "Enter");
    },
  };
}

/** Poll the screen until `match` appears (or time runs out); every screen seen is kept. */
async function waitFor(
  pane: { screen(): string },
  match: RegExp,
  timeoutMs: number,
  seen: string[] = [],
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = pane.screen();
    seen.push(screen);
    if (match.test(screen)) return screen;
    if (Date.now() > deadline)
      throw new Error(`the screen never showed ${match}; last screen:\n${screen}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const hasTmux = hasCommand("tmux");

describe.skipIf(!runsWith(hasTmux))("in a terminal (tmux)", () => {
  let host: TestHost;
  const sessions: string[] = [];
  const session = (name: string) => {
    const unique = `vla-${name}-${process.pid}`;
    sessions.push(unique);
    return unique;
  };

  beforeAll(async () => {
    requireTool(hasTmux, "tmux (Debian package: tmux)");
    host = await startHost("debian12", { user: "lab" });
  });
  afterAll(async () => {
    for (const name of sessions) {
      try {
        tmux("kill-session", "-t", name);
      } catch {
        // already gone
      }
    }
    await host?.stop();
  });

  it("a dry run shows each planned step's commands and file diffs without --verbose", async () => {
    const pane = openPane(session("dry"), [
      "node",
      CLI,
      "--dry-run",
      ...sshFlags(host),
      ...host.cliArgs,
    ]);
    const screen = await waitFor(pane, /\[exit \d+\]/, 60_000);
    expect(screen).toContain("[exit 0]");
    expect(screen).toContain("+ Signed-By: /etc/apt/keyrings/docker.asc");
    expect(screen).toMatch(/\$ .*apt-get .* install docker-ce docker-ce-cli/);
  });

  it("a wrong sudo password gets another try; during the install a progress line with a number shows; a recap ends it", async () => {
    const pane = openPane(session("run"), [
      "node",
      CLI,
      ...sshFlags(host),
      ...host.cliArgs,
      "--no-verify",
    ]);
    await waitFor(pane, /sudo password for lab:/, 60_000);
    pane.type("not-the-password");
    await waitFor(pane, /Sorry, try again\. sudo password for lab:/, 60_000);
    pane.type(host.password ?? "");
    const seen: string[] = [];
    const screen = await waitFor(pane, /\[exit \d+\]/, 300_000, seen);
    expect(screen).toContain("[exit 0]");
    // apt's own progress, as a percentage, under the package step while it ran.
    expect(seen.some((s) => /apt: \d+% /.test(s))).toBe(true);
    // The recap: one line per host with its counts, not a second copy of the tree.
    const recap = screen.slice(screen.indexOf("RECAP"));
    expect(recap).toMatch(
      /^RECAP\nlab@127\.0\.0\.1:\d+ : ok {10}changed=\d+ skipped=\d+ verified=0 failed=0 {2}\d+\.\ds\n/,
    );
    expect(recap).not.toMatch(/^ {2}changed /m);
    expect(screen).not.toContain("not-the-password");
    expect(screen).not.toContain(host.password ?? "<no password>");
  });
});
