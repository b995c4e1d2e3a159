import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderActions } from "../../src/actions/render.js";
import type { InstallKey } from "../../src/actions/types.js";
import { initialDecisions } from "../../src/decisions.js";
import { DOCKER_KEYRING } from "../../src/docker/repository.js";
import { commandEnv } from "../../src/engine/runner.js";
import type { StepContext } from "../../src/engine/step.js";
import { StepError } from "../../src/errors.js";
import { parseProbe } from "../../src/facts/facts.js";
import { Host, type RunOptions, writeFileScript } from "../../src/hosts/host.js";
import type { ExecResult, Transport } from "../../src/hosts/transport.js";
import { NVIDIA_KEYRING } from "../../src/nvidia/repository.js";
import { formatFingerprint, readPublicKey, splitKeys } from "../../src/pgp.js";
import { dockerKey } from "../../tasks/docker-key.js";
import { nvidiaKey } from "../../tasks/nvidia-key.js";
import { applyStep } from "./_helpers/fake-host.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

// The key steps on keys made by gpg (test/fixtures/pgp/README.md). plan() reads the keyring from
// the facts; the install-key action talks to a fake host that serves the download and records
// what is written.

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));

const key = (name: string) => ({
  armored: fixture(`pgp/${name}.asc`),
  binary: fixture(`pgp/${name}.gpg`),
  fingerprint: readPublicKey(fixture(`pgp/${name}.gpg`)).fingerprint,
});

const genuine = key("genuine");
const other = key("other");
const expiredSubkey = key("expired-subkey");
const expiredPrimary = key("expired-primary");

/** The real Debian 12 probe output: it holds no keyring. */
const PROBE = fixture("probe/debian12-local-root.txt").toString("utf8");

/** The probe output with a keyring, printed the way the probe prints it. */
function withKeyring(path: string, content: Buffer, mode = "644"): string {
  return `${PROBE}\n@@vla keyring ${path}\nmode=${mode}\n${content.toString("base64")}\n@@vla-rc 0\n`;
}

const DOCKER_KEY_URL = `${TEST_OPTIONS.dockerRepo}/debian/gpg`;
const NVIDIA_KEY_URL = `${TEST_OPTIONS.nvidiaRepo}/gpgkey`;

const NO_TRANSPORT: Transport = {
  target: "fake",
  kind: "local",
  loginUser: "root",
  exec: () => Promise.reject(new Error("the fake host runs nothing")),
  close: async () => {},
};

/** A file written the way Host.writeFile writes one: the script and what came on its stdin. */
interface Written {
  path: string;
  mode: string;
  privileged: boolean;
  content: Buffer;
}

/**
 * Serves `download` to the step's curl (base64, as `base64 -w0` prints it); records each atomic
 * write (writeFileScript), decoding its standard input.
 */
class FakeHost extends Host {
  readonly commands: string[] = [];
  readonly written: Written[] = [];

  constructor(private readonly download: Buffer = Buffer.alloc(0)) {
    super(NO_TRANSPORT, { mode: "root" });
  }

  override async run(script: string, options: RunOptions = {}): Promise<ExecResult> {
    this.commands.push(script);
    const target = /^mv -f "\$tmp" (\S+)$/m.exec(script)?.[1];
    if (target) {
      const mode = /^chmod (\S+) "\$tmp"$/m.exec(script)?.[1] ?? "";
      const binary = script.includes('base64 -d > "$tmp"');
      // Exactly the script the host layer writes files with, nothing hand-made.
      expect(script).toBe(writeFileScript(target, { mode }, binary));
      const stdin = options.stdin ?? "";
      this.written.push({
        path: target,
        mode,
        privileged: options.privileged ?? false,
        content: binary ? Buffer.from(stdin, "base64") : Buffer.from(stdin),
      });
      return { code: 0, stdout: "", stderr: "" };
    }
    return { code: 0, stdout: `${this.download.toString("base64")}\n`, stderr: "" };
  }
}

interface Run {
  ctx: StepContext;
  host: FakeHost;
  notices: string[];
  logs: string[];
}

function run(options: { download?: Buffer; probe?: string; fingerprint?: string } = {}): Run {
  const host = new FakeHost(options.download);
  const notices: string[] = [];
  const logs: string[] = [];
  const fingerprint = options.fingerprint ?? genuine.fingerprint;
  const ctx: StepContext = {
    host,
    facts: parseProbe(options.probe ?? PROBE, "root"),
    options: {
      ...TEST_OPTIONS,
      dockerKeyFingerprint: fingerprint,
      nvidiaKeyFingerprint: fingerprint,
    },
    decisions: initialDecisions("root"),
    refreshFacts: async () => {},
    log: (line) => logs.push(line),
    notice: (text) => notices.push(text),
  };
  return { ctx, host, notices, logs };
}

const droppedOther = (url: string) =>
  `${url} also held 1 other key(s) (${formatFingerprint(other.fingerprint)}); only ${formatFingerprint(genuine.fingerprint)} was written`;

/** The one file the step wrote, after checking where, with which mode, and that root wrote it. */
function writtenKeyring(host: FakeHost, path: string): Buffer {
  expect(host.written.map((w) => [w.path, w.mode, w.privileged])).toEqual([[path, "0644", true]]);
  return host.written[0]?.content ?? Buffer.alloc(0);
}

describe("installing a repository key (docker-key: armored, nvidia-key: binary)", () => {
  it("writes only the genuine key when the download holds genuine + other (armored exports)", async () => {
    const r = run({ download: Buffer.concat([genuine.armored, other.armored]) });
    await applyStep(dockerKey, r.ctx);
    const written = writtenKeyring(r.host, DOCKER_KEYRING);
    expect(written.toString("latin1")).toBe(genuine.armored.toString("latin1"));
    expect(splitKeys(written).map((k) => k.fingerprint)).toEqual([genuine.fingerprint]);
    expect(r.notices).toEqual([droppedOther(DOCKER_KEY_URL)]);
    expect(r.logs).toContain(droppedOther(DOCKER_KEY_URL));
  });

  it("writes only the genuine key from a single `gpg --export` of both keys", async () => {
    const r = run({ download: fixture("pgp/genuine-and-other.gpg") });
    await applyStep(nvidiaKey, r.ctx);
    expect(writtenKeyring(r.host, NVIDIA_KEYRING).equals(genuine.binary)).toBe(true);
    expect(r.notices).toEqual([droppedOther(NVIDIA_KEY_URL)]);
  });

  it("finds the genuine key after another one", async () => {
    const binary = run({ download: fixture("pgp/other-and-genuine.gpg") });
    await applyStep(nvidiaKey, binary.ctx);
    expect(writtenKeyring(binary.host, NVIDIA_KEYRING).equals(genuine.binary)).toBe(true);
    expect(binary.notices).toEqual([droppedOther(NVIDIA_KEY_URL)]);

    const armored = run({ download: Buffer.concat([other.armored, genuine.armored]) });
    await applyStep(dockerKey, armored.ctx);
    const written = writtenKeyring(armored.host, DOCKER_KEYRING);
    expect(written.toString("latin1")).toBe(genuine.armored.toString("latin1"));
    expect(armored.notices).toEqual([droppedOther(DOCKER_KEY_URL)]);
  });

  it("writes the genuine key alone as gpg exports it, in the keyring's form, with no notice", async () => {
    for (const download of [genuine.armored, genuine.binary]) {
      const docker = run({ download });
      await applyStep(dockerKey, docker.ctx);
      const armored = writtenKeyring(docker.host, DOCKER_KEYRING).toString("latin1");
      expect(armored).toBe(genuine.armored.toString("latin1"));
      expect(docker.notices).toEqual([]);

      const nvidia = run({ download });
      await applyStep(nvidiaKey, nvidia.ctx);
      expect(writtenKeyring(nvidia.host, NVIDIA_KEYRING).equals(genuine.binary)).toBe(true);
      expect(nvidia.notices).toEqual([]);
    }
  });

  it("judges expiry on the genuine key only: an expired key beside it is dropped", async () => {
    const r = run({ download: Buffer.concat([expiredPrimary.binary, genuine.binary]) });
    await applyStep(nvidiaKey, r.ctx);
    expect(writtenKeyring(r.host, NVIDIA_KEYRING).equals(genuine.binary)).toBe(true);
    expect(r.notices).toHaveLength(1);
  });

  it("refuses a download without the genuine key, names the keys it held, and writes nothing", async () => {
    const r = run({ download: fixture("pgp/other.asc") });
    const failure = applyStep(dockerKey, r.ctx);
    await expect(failure).rejects.toThrow(StepError);
    await expect(failure).rejects.toThrow(
      `key fingerprint mismatch for ${DOCKER_KEY_URL}: got ${formatFingerprint(other.fingerprint)}, expected ${formatFingerprint(genuine.fingerprint)}; nothing was written`,
    );
    expect(r.host.written).toEqual([]);
  });

  it("refuses an expired genuine key and writes nothing", async () => {
    const r = run({ download: expiredSubkey.binary, fingerprint: expiredSubkey.fingerprint });
    await expect(applyStep(nvidiaKey, r.ctx)).rejects.toThrow(
      `the key at ${NVIDIA_KEY_URL} has expired; nothing was written`,
    );
    expect(r.host.written).toEqual([]);
  });

  it("refuses a download that is not a key and writes nothing", async () => {
    const r = run({ download: Buffer.from("<html>not found</html>\n") });
    await expect(applyStep(dockerKey, r.ctx)).rejects.toThrow(
      `${DOCKER_KEY_URL} is not an OpenPGP public key`,
    );
    expect(r.host.written).toEqual([]);
  });
});

describe("planning a repository keyring", () => {
  /** Fetch the key again, keep only the genuine one, write it in the keyring's form. */
  const fetchAgain = (path: string, url: string, store: InstallKey["store"]): InstallKey => ({
    kind: "install-key",
    url,
    path,
    fingerprint: genuine.fingerprint,
    store,
  });
  const DOCKER_FETCH = fetchAgain(DOCKER_KEYRING, DOCKER_KEY_URL, "armored");

  it("is done when the keyring holds the genuine key alone, unexpired, mode 644", () => {
    const docker = run({ probe: withKeyring(DOCKER_KEYRING, genuine.armored) });
    expect(dockerKey.plan(docker.ctx)).toEqual({
      done: true,
      reason: `${DOCKER_KEYRING} holds key ${formatFingerprint(genuine.fingerprint)}`,
    });
    const nvidia = run({ probe: withKeyring(NVIDIA_KEYRING, genuine.binary) });
    expect(nvidiaKey.plan(nvidia.ctx)).toMatchObject({ done: true });
  });

  it("is not done when the keyring holds the genuine key and another; the plan says why", () => {
    for (const keyring of [
      Buffer.concat([genuine.armored, other.armored]),
      Buffer.concat([other.armored, genuine.armored]),
      fixture("pgp/genuine-and-other.asc"),
    ]) {
      const r = run({ probe: withKeyring(DOCKER_KEYRING, keyring) });
      expect(dockerKey.plan(r.ctx)).toEqual({
        done: false,
        actions: [
          {
            kind: "note",
            text: `${DOCKER_KEYRING} also holds 1 other key(s) (${formatFingerprint(other.fingerprint)}); it will be rewritten with only ${formatFingerprint(genuine.fingerprint)}`,
          },
          DOCKER_FETCH,
        ],
      });
    }
  });

  it("is not done for a binary keyring holding two keys either", () => {
    const r = run({ probe: withKeyring(NVIDIA_KEYRING, fixture("pgp/other-and-genuine.gpg")) });
    const result = nvidiaKey.plan(r.ctx);
    expect(result.done).toBe(false);
    if (result.done) return;
    expect(result.actions.map((action) => action.kind)).toEqual(["note", "install-key"]);
    expect(result.actions[1]).toEqual(fetchAgain(NVIDIA_KEYRING, NVIDIA_KEY_URL, "binary"));
  });

  it("fetches the key when the keyring is missing, holds another key only, or is not a key", () => {
    for (const probe of [
      PROBE,
      withKeyring(DOCKER_KEYRING, other.armored),
      withKeyring(DOCKER_KEYRING, Buffer.from("garbage")),
    ]) {
      expect(dockerKey.plan(run({ probe }).ctx)).toEqual({
        done: false,
        actions: [DOCKER_FETCH],
      });
    }
  });

  it("shows the download, the fingerprint it keeps, and the write", () => {
    const r = run();
    const plan = dockerKey.plan(r.ctx);
    if (plan.done) throw new Error("docker-key has nothing to do");
    const shown = renderActions(plan.actions, commandEnv(r.ctx)).split("\n");
    expect(shown).toHaveLength(3);
    expect(shown[0]).toContain(`curl -fsSL --retry 2 -o "$f" ${DOCKER_KEY_URL}`);
    expect(shown[1]).toBe(
      `# keep only the key ${formatFingerprint(genuine.fingerprint)} (refuse when it is missing or expired), then:`,
    );
    expect(shown[2]).toMatch(
      new RegExp(`^\\$ write ${DOCKER_KEYRING.replaceAll(".", "\\.")}  # a \\d+-line script`),
    );
  });

  it("fetches the key again when the keyring's copy has expired", () => {
    const r = run({
      probe: withKeyring(NVIDIA_KEYRING, expiredSubkey.binary),
      fingerprint: expiredSubkey.fingerprint,
    });
    expect(nvidiaKey.plan(r.ctx)).toEqual({
      done: false,
      actions: [
        {
          ...fetchAgain(NVIDIA_KEYRING, NVIDIA_KEY_URL, "binary"),
          fingerprint: expiredSubkey.fingerprint,
        },
      ],
    });
  });

  it("only fixes the mode when the genuine key alone is there with another mode", () => {
    const r = run({ probe: withKeyring(DOCKER_KEYRING, genuine.armored, "600") });
    expect(dockerKey.plan(r.ctx)).toEqual({
      done: false,
      actions: [{ kind: "set-mode", path: DOCKER_KEYRING, mode: "0644" }],
    });
  });
});
