/**
 * The action set: what each action runs (commandsOf), what the plan shows (renderAction), and that
 * executing an action runs exactly the scripts the plan names — no more, no fewer, in order.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type CommandEnv, commandsOf } from "../../src/actions/commands.js";
import { type ExecContext, executeAction } from "../../src/actions/execute.js";
import { describeDone, renderAction, scriptsOf } from "../../src/actions/render.js";
import type { Action } from "../../src/actions/types.js";
import { initialDecisions } from "../../src/decisions.js";
import { Host } from "../../src/hosts/host.js";
import { readPublicKey } from "../../src/pgp.js";
import { RecordingTransport } from "./_helpers/fake-host.js";

const ENV: CommandEnv = { loginUser: "ops", aptLockWaitMs: 120_000 };
const pgp = (name: string) => readFileSync(resolve(import.meta.dirname, "../fixtures/pgp", name));
const GENUINE = readPublicKey(pgp("genuine.gpg")).fingerprint;

/** One of each kind, as the steps make them. */
const ACTIONS: Action[] = [
  { kind: "apt-update" },
  {
    kind: "apt-install",
    packages: [{ name: "docker-ce", version: "5:27.5.1-1~debian.12~bookworm" }, { name: "curl" }],
    noRecommends: false,
    allowDowngrades: true,
  },
  { kind: "apt-remove", packages: ["docker.io", "runc"] },
  { kind: "snap-remove", snap: "docker" },
  {
    kind: "write-file",
    path: "/etc/apt/sources.list.d/docker.sources",
    content: "Types: deb\n",
    mode: "0644",
    before: "Types: deb-src\n",
  },
  { kind: "set-mode", path: "/etc/apt/keyrings/docker.asc", mode: "0644" },
  { kind: "retire-file", path: "/etc/apt/sources.list.d/docker old.list", reason: "same" },
  { kind: "add-to-group", user: "o'brien", group: "docker" },
  { kind: "start-docker", init: "systemd" },
  { kind: "restart-docker", init: "sysv" },
  {
    kind: "install-key",
    url: "https://download.example/gpg",
    path: "/etc/apt/keyrings/docker.asc",
    fingerprint: GENUINE,
    store: "armored",
  },
  {
    kind: "change-daemon-json",
    init: "systemd",
    before: "{}\n",
    beforeConfig: {},
    content: '{ "registry-mirrors": ["https://m.example"] }\n',
  },
  {
    kind: "change-daemon-json",
    init: "sysv",
    before: "",
    beforeConfig: {},
    content: "nvidia-ctk",
  },
  {
    kind: "verify-container",
    user: "ops",
    image: "hello-world",
    gpus: false,
    command: [],
    expect: { text: "Hello from Docker!" },
  },
  { kind: "note", text: "n" },
  { kind: "notice", text: "t" },
];

describe("commandsOf", () => {
  it.each(ACTIONS.map((a, i) => [`${i} ${a.kind}`, a] as const))(
    "every script is valid POSIX sh (%s)",
    (_name, action) => {
      for (const command of commandsOf(action, ENV)) {
        expect(() => execFileSync("sh", ["-n", "-c", command.script])).not.toThrow();
        expect(command.timeoutMs).toBeGreaterThan(0);
      }
    },
  );

  it("adds to a group with usermod -aG (never -G alone), the user quoted", () => {
    const [command] = commandsOf({ kind: "add-to-group", user: "o'brien", group: "docker" }, ENV);
    expect(command?.script).toBe(
      `getent group docker >/dev/null || groupadd docker; usermod -aG docker 'o'"'"'brien'`,
    );
    expect(command?.privileged).toBe(true);
  });

  it("apt never asks, waits for the lock as long as the user allows, keeps changed config files", () => {
    const [update] = commandsOf({ kind: "apt-update" }, ENV);
    expect(update?.script).toBe(
      "DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get -y -q -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o APT::Status-Fd=1 update",
    );
    const [install] = commandsOf(ACTIONS[1] as Action, ENV);
    expect(install?.script).toMatch(
      / install --allow-downgrades 'docker-ce=5:27\.5\.1-1~debian\.12~bookworm' curl$/,
    );
    // The lock wait comes on top of the work's own bound.
    expect(install?.timeoutMs).toBe(120_000 + 1_200_000);
  });

  it("a file that exists is backed up before it is replaced; the content goes on stdin", () => {
    const commands = commandsOf(ACTIONS[4] as Action, ENV);
    expect(commands).toHaveLength(2);
    expect(commands[0]?.script).toMatch(
      /^if \[ -e \/etc\/apt\/sources\.list\.d\/docker\.sources \]; then stamp=\$\(date -u \+%Y%m%dT%H%M%SZ\); mkdir -p \/var\/backups\/vla-provision && cp -a /,
    );
    expect(commands[1]?.stdin).toBe("Types: deb\n");
    expect(commands[1]?.script).toContain('mv -f "$tmp" /etc/apt/sources.list.d/docker.sources');
    const fresh = commandsOf({ ...(ACTIONS[4] as Action), before: undefined } as Action, ENV);
    expect(fresh).toHaveLength(1);
  });

  it("a retired file is backed up, then removed, in one command", () => {
    const [command] = commandsOf(ACTIONS[6] as Action, ENV);
    expect(command?.script).toMatch(
      /cp -a '\/etc\/apt\/sources\.list\.d\/docker old\.list' .* && rm -f '\/etc\/apt\/sources\.list\.d\/docker old\.list'$/,
    );
  });

  it("verifies as the login user through sg, as another user through runuser, as root directly", () => {
    const verify = ACTIONS[13] as Action & { kind: "verify-container" };
    expect(commandsOf(verify, ENV)[0]).toMatchObject({
      script: "sg docker -c 'docker run --rm hello-world'",
      privileged: false,
    });
    expect(commandsOf({ ...verify, user: "lab" }, ENV)[0]).toMatchObject({
      script: "runuser -u lab -- sh -c 'docker run --rm hello-world'",
      privileged: true,
    });
    expect(
      commandsOf({ ...verify, user: "root", gpus: true, command: ["nvidia-smi"] }, ENV)[0],
    ).toMatchObject({
      script: "docker run --rm --gpus all hello-world nvidia-smi",
      privileged: true,
    });
  });

  it("daemon.json changes go through the guard; nvidia-ctk first writes a copy", () => {
    const guarded = commandsOf(ACTIONS[11] as Action, ENV);
    expect(guarded).toHaveLength(1);
    expect(guarded[0]?.script).toContain("systemd-run --quiet --collect /bin/sh -c");
    expect(guarded[0]?.stdin).toBe('{ "registry-mirrors": ["https://m.example"] }\n');
    const ctk = commandsOf(ACTIONS[12] as Action, ENV);
    expect(ctk.map((c) => c.label)).toEqual([
      "nvidia-ctk runtime configure --runtime=docker",
      "change daemon.json and restart dockerd",
    ]);
    expect(ctk[0]?.script).toContain('--config="$copy/daemon.json"');
    expect(ctk[1]?.script).toContain("setsid -f /bin/sh -c");
    expect(ctk[1]?.stdinLater).toMatch(/every key of \/etc\/docker\/daemon\.json is found kept/);
  });
});

describe("renderAction", () => {
  it("shows a file change as a diff after its backup", () => {
    expect(
      renderAction(ACTIONS[4] as Action, ENV)
        .split("\n")
        .slice(1),
    ).toEqual(["--- /etc/apt/sources.list.d/docker.sources", "- Types: deb-src", "+ Types: deb"]);
  });

  it("shows one-line commands exactly, multi-line scripts by name unless --verbose", () => {
    const [update] = commandsOf({ kind: "apt-update" }, ENV);
    expect(renderAction({ kind: "apt-update" }, ENV)).toBe(`$ ${update?.script}`);
    const guarded = ACTIONS[11] as Action;
    expect(renderAction(guarded, ENV)).toMatch(
      /\$ change daemon\.json and restart dockerd {2}# a \d+-line script \(--verbose shows it\)$/,
    );
    expect(renderAction(guarded, ENV, true)).toContain(
      commandsOf(guarded, ENV)[0]?.script as string,
    );
  });
});

/** A root host that records what it is asked to run; `reply` answers by script. */
function recordingContext(reply: (command: string) => { stdout?: string } = () => ({})) {
  const transport = new RecordingTransport(reply);
  const host = new Host(transport, { mode: "root" });
  const notices: string[] = [];
  const ctx: ExecContext = {
    host,
    env: { ...ENV, loginUser: "root" },
    decisions: initialDecisions("root"),
    log: () => {},
    notice: (text) => notices.push(text),
  };
  return { ctx, host, transport, notices };
}

describe("executeAction runs exactly the planned scripts", () => {
  const answers = (command: string) => {
    if (command.includes("base64 -w0"))
      return { stdout: pgp("genuine-and-other.gpg").toString("base64") };
    if (command.includes("nvidia-ctk"))
      return {
        stdout: '{"runtimes":{"nvidia":{"path":"nvidia-container-runtime","runtimeArgs":[]}}}',
      };
    if (command.includes("systemd-run") || command.includes("setsid"))
      return { stdout: "outcome=applied\n@@log\n" };
    if (command.includes("docker run")) return { stdout: "Hello from Docker!\n" };
    return {};
  };

  it.each(ACTIONS.map((a, i) => [`${i} ${a.kind}`, a] as const))("%s", async (_name, action) => {
    const { ctx, host } = recordingContext(answers);
    await executeAction(action, ctx);
    expect(host.transcript).toEqual(scriptsOf([action], ctx.env));
  });

  it("a key file with another key: only the verified key is written, and the user is told", async () => {
    const { ctx, transport, notices } = recordingContext(answers);
    await executeAction(ACTIONS[10] as Action, ctx);
    expect(notices[0]).toMatch(/also held 1 other key\(s\)/);
    expect(transport.commands).toHaveLength(2);
  });

  it("an unresolved range: apt-cache madison answers it, the decision is recorded, then the install", async () => {
    const madison = [
      " docker-ce | 5:27.5.1-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages",
      " docker-ce | 5:26.1.4-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages",
    ].join("\n");
    const { ctx, host } = recordingContext((c) =>
      c.includes("madison") ? { stdout: madison } : {},
    );
    const action: Action = {
      kind: "apt-install",
      packages: [
        { name: "docker-ce", range: "^26" },
        { name: "docker-ce-cli", range: "^26" },
      ],
      noRecommends: false,
      allowDowngrades: true,
    };
    await executeAction(action, ctx);
    expect(ctx.decisions.versions["docker-ce"]).toBe("5:26.1.4-1~debian.12~bookworm");
    expect(host.transcript[0]).toBe("apt-cache madison docker-ce");
    expect(host.transcript[1]).toMatch(
      / install --allow-downgrades 'docker-ce=5:26\.1\.4-1~debian\.12~bookworm' 'docker-ce-cli=5:26\.1\.4-1~debian\.12~bookworm'$/,
    );
  });

  it("nvidia-ctk output that drops a key of daemon.json is never written", async () => {
    const { ctx, host } = recordingContext(answers);
    const action: Action = {
      kind: "change-daemon-json",
      init: "systemd",
      before: '{"data-root": "/data/docker"}',
      beforeConfig: { "data-root": "/data/docker" },
      content: "nvidia-ctk",
    };
    await expect(executeAction(action, ctx)).rejects.toThrow(/dropped keys .*: data-root/);
    expect(host.transcript).toHaveLength(1);
  });
});

describe("describeDone: a changed step says what was done", () => {
  it("names the change, not the state after it", () => {
    expect(
      describeDone([
        {
          kind: "change-daemon-json",
          init: "systemd",
          before: '{"log-driver": "json-file"}',
          beforeConfig: { "log-driver": "json-file" },
          content: '{"log-driver": "json-file", "registry-mirrors": ["http://mirror:5000"]}',
        },
      ]),
    ).toBe(
      "set registry-mirrors (http://mirror:5000) in /etc/docker/daemon.json and restarted dockerd",
    );
    expect(describeDone([ACTIONS[7] as Action, ACTIONS[15] as Action])).toBe(
      "added o'brien to the docker group",
    );
    expect(describeDone([{ kind: "apt-update" }, ACTIONS[1] as Action])).toBe(
      "installed docker-ce 5:27.5.1-1~debian.12~bookworm, curl",
    );
  });
});
