// What can be checked of the Vagrant end-to-end setup without booting a VM.
import { spawnSync } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { YAML } from "zx";
import { loadSshConfig, resolveSshConfig } from "../../src/ssh/config.js";

const root = join(import.meta.dirname, "../..");
const hasCommand = (name: string) =>
  spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
const hasVagrant = hasCommand("vagrant");
// In CI a missing tool fails these tests instead of skipping them.
const runsHere = (installed: boolean) => installed || Boolean(process.env.CI);

function vagrantValidate(dir: string) {
  return spawnSync("vagrant", ["validate", "--ignore-provider"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, VAGRANT_CHECKPOINT_DISABLE: "1" },
  });
}

describe("Vagrantfile", () => {
  let dir: string;
  beforeAll(async () => {
    // A copy, so that vagrant's .vagrant/ state is not written into the working tree.
    dir = await mkdtemp(join(tmpdir(), "vagrantfile-"));
    await copyFile(join(root, "Vagrantfile"), join(dir, "Vagrantfile"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!runsHere(hasVagrant))(
    "passes vagrant validate --ignore-provider, and a broken copy does not",
    async () => {
      if (!hasVagrant) throw new Error("vagrant is not installed (Debian package: vagrant)");
      const valid = vagrantValidate(dir);
      expect(valid.stderr).toBe("");
      expect(valid.stdout).toContain("Vagrantfile validated successfully.");
      expect(valid.status).toBe(0);

      const broken = await mkdtemp(join(tmpdir(), "vagrantfile-broken-"));
      try {
        const text = await readFile(join(root, "Vagrantfile"), "utf8");
        await writeFile(
          join(broken, "Vagrantfile"),
          text.replace("machine.vm.box =", "machine.vm.bx ="),
        );
        expect(vagrantValidate(broken).status).not.toBe(0);
      } finally {
        await rm(broken, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it("defines the three machines from bento boxes and installs nothing itself", async () => {
    const text = await readFile(join(root, "Vagrantfile"), "utf8");
    expect(text).toContain('"noble" => "bento/ubuntu-24.04"');
    expect(text).toContain('"jammy" => "bento/ubuntu-22.04"');
    expect(text).toContain('"bookworm" => "bento/debian-12"');
    expect(text).toMatch(/provider "virtualbox"/);
    expect(text).toMatch(/provider "libvirt"/);
    expect(text).not.toMatch(/\.provision\b/);
  });
});

describe("the Vagrant CI workflow", () => {
  const workflow = join(root, ".github/workflows/vagrant.yml");

  it("parses and runs the e2e script on the three machines", async () => {
    type Step = { run?: string; uses?: string };
    type Job = { "runs-on": string; env?: Record<string, string>; steps: Step[] };
    type Workflow = { on: Record<string, { paths?: string[] } | null>; jobs: Record<string, Job> };
    // zx bundles the `yaml` package, a strict YAML 1.2 parser: a malformed file throws here.
    const doc = YAML.parse(await readFile(workflow, "utf8")) as Workflow;
    expect(Object.keys(doc.on)).toEqual(
      expect.arrayContaining(["workflow_dispatch", "schedule", "pull_request"]),
    );
    expect(doc.on.pull_request?.paths).toEqual(
      expect.arrayContaining(["src/**", "tasks/**", "Vagrantfile"]),
    );

    const jobs = Object.values(doc.jobs);
    const job = jobs.find((j) => j.steps.some((s) => s.run?.includes("npm run e2e:vagrant")));
    expect(job?.["runs-on"]).toBe("ubuntu-24.04");
    expect(job?.env?.VAGRANT_DEFAULT_PROVIDER).toBe("libvirt");
    const runs = job?.steps.map((s) => s.run ?? "").join("\n") ?? "";
    expect(runs).toContain("npm run e2e:vagrant -- noble jammy bookworm");
    expect(runs).toContain("/dev/kvm");
    expect(runs).toContain("vagrant plugin install vagrant-libvirt");
    expect(runs).toContain("npm ci");
  });

  it("names a script that exists and parses", async () => {
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
    expect(pkg.scripts["e2e:vagrant"]).toBe("zx scripts/vagrant-e2e.mjs");
    const check = spawnSync(process.execPath, ["--check", join(root, "scripts/vagrant-e2e.mjs")], {
      encoding: "utf8",
    });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});

describe("the vagrant ssh-config fixture", () => {
  it("resolves noble as OpenSSH would connect to it", async () => {
    const config = await loadSshConfig(join(root, "test/fixtures/ssh/vagrant-ssh-config"));
    expect(resolveSshConfig(config, "noble", { home: "/home/lab", localUser: "lab" })).toEqual({
      alias: "noble",
      hostName: "127.0.0.1",
      user: "vagrant",
      port: 2222,
      identityFiles: ["/home/lab/vla-provision/.vagrant/machines/noble/virtualbox/private_key"],
      identitiesOnly: true,
      strictHostKeyChecking: "no",
      userKnownHostsFiles: ["/dev/null"],
      unsupported: [],
    });
    expect(resolveSshConfig(config, "bookworm").port).toBe(2201);
  });
});
