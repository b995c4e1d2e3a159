// What can be checked of the Vagrant end-to-end setup without booting a VM.
import { spawnSync } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { YAML } from "zx";
import { loadSshConfig, resolveSshConfig } from "../../src/ssh/config.js";

const root = join(import.meta.dirname, "../..");
const hasCommand = (name: string) =>
  spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
const hasVagrant = hasCommand("vagrant");
const hasRuby = hasCommand("ruby");
// In CI a missing tool fails these tests instead of skipping them.
const runsHere = (installed: boolean) => installed || Boolean(process.env.CI);

function vagrantValidate(dir: string) {
  return spawnSync("vagrant", ["validate", "--ignore-provider"], {
    cwd: dir,
    encoding: "utf8",
    // VirtualBox is the provider validated: its `override` blocks are evaluated too.
    env: {
      ...process.env,
      VAGRANT_CHECKPOINT_DISABLE: "1",
      VAGRANT_DEFAULT_PROVIDER: "virtualbox",
    },
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
        for (const setting of ["machine.vm.box =", "override.vm.box ="]) {
          const copy = text.replace(setting, setting.replace("box", "bx"));
          expect(copy, setting).not.toBe(text);
          await writeFile(join(broken, "Vagrantfile"), copy);
          const result = vagrantValidate(broken);
          expect(result.status, setting).not.toBe(0);
          expect(result.stdout + result.stderr, setting).toContain("bx");
        }
      } finally {
        await rm(broken, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it.skipIf(!runsHere(hasRuby))(
    "gives each machine the box chosen for its provider (VirtualBox, libvirt)",
    () => {
      if (!hasRuby) throw new Error("ruby is not installed (Debian package: ruby)");
      const boxes = boxesPerProvider(join(root, "Vagrantfile"), ["virtualbox", "libvirt"]);
      expect(boxes).toEqual({
        noble: {
          default: "bento/ubuntu-24.04",
          autostart: true,
          providers: { virtualbox: "bento/ubuntu-24.04", libvirt: "cloud-image/ubuntu-24.04" },
        },
        jammy: {
          default: "bento/ubuntu-22.04",
          autostart: false,
          providers: { virtualbox: "bento/ubuntu-22.04", libvirt: "cloud-image/ubuntu-22.04" },
        },
        bookworm: {
          default: "debian/bookworm64",
          autostart: false,
          providers: { virtualbox: "debian/bookworm64", libvirt: "debian/bookworm64" },
        },
      });
    },
    30_000,
  );

  it("says where each box's providers were checked, and installs nothing itself", async () => {
    const text = await readFile(join(root, "Vagrantfile"), "utf8");
    const comments = text
      .split("\n")
      .filter((line) => line.startsWith("#"))
      .join("\n");
    for (const box of [
      "bento/ubuntu-24.04",
      "bento/ubuntu-22.04",
      "cloud-image/ubuntu-24.04",
      "cloud-image/ubuntu-22.04",
      "debian/bookworm64",
    ])
      expect(comments, box).toContain(box);
    expect(comments).toContain("https://portal.cloud.hashicorp.com/vagrant/discover/<box>");
    expect(text).toMatch(/provider "virtualbox"/);
    expect(text).toMatch(/provider "libvirt"/);
    expect(text).not.toMatch(/\.provision\b/);
  });
});

/**
 * The box each machine of a Vagrantfile gets under each provider, as Vagrant resolves it: the
 * machine's `vm.box`, then the `override.vm.box` of the provider blocks for that provider. Loads
 * the Vagrantfile in Ruby with a stand-in for `Vagrant.configure` that records what it is told.
 */
function boxesPerProvider(vagrantfile: string, providers: string[]): unknown {
  const run = spawnSync("ruby", ["-e", BOXES_RB, vagrantfile, ...providers], {
    encoding: "utf8",
    timeout: 30_000,
  });
  if (run.status !== 0) throw new Error(`ruby exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const BOXES_RB = `
require "json"

class Recorder
  attr_reader :values, :provider_blocks, :machines

  def initialize
    @values = {}
    @children = {}
    @provider_blocks = Hash.new { |hash, key| hash[key] = [] }
    @machines = {}
  end

  def provider(name, &block)
    @provider_blocks[name.to_s] << block if block
  end

  def define(name, **options, &block)
    @machines[name.to_s] = { options: options, block: block }
  end

  def method_missing(name, *args, &_block)
    key = name.to_s
    return @values[key.chomp("=")] = args.first if key.end_with?("=")
    @children[key] ||= Recorder.new
  end

  def respond_to_missing?(*)
    true
  end
end

module Vagrant
  def self.configure(_version, &block)
    (@blocks ||= []) << block
  end

  def self.blocks
    @blocks || []
  end
end

vagrantfile, *providers = ARGV
load vagrantfile
root = Recorder.new
Vagrant.blocks.each { |block| block.call(root) }
result = root.vm.machines.to_h do |name, machine|
  own = Recorder.new
  machine[:block]&.call(own)
  default_box = own.vm.values.fetch("box", root.vm.values["box"])
  boxes = providers.to_h do |provider|
    box = default_box
    (root.vm.provider_blocks[provider] + own.vm.provider_blocks[provider]).each do |block|
      next unless block.arity == 2
      override = Recorder.new
      block.call(Recorder.new, override)
      box = override.vm.values["box"] if override.vm.values.key?("box")
    end
    [provider, box]
  end
  autostart = machine[:options].fetch(:autostart, true)
  [name, { "default" => default_box, "autostart" => autostart, "providers" => boxes }]
end
puts JSON.generate(result)
`;

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

describe("the e2e script, against a stand-in for vagrant", () => {
  // A shell script in vagrant's place logs its arguments and plays `up` as Vagrant does: it
  // writes .vagrant/machines/<machine>/<provider>/box_meta. dist/cli.mjs is a stand-in as well:
  // the first run changes two steps, the second skips them. Nothing boots; no VM is needed.
  let dir: string;
  const FAKE_VAGRANT = `#!/bin/sh
echo "$*" >> "$E2E_DIR/vagrant.log"
case "$1" in
  up)
    [ -n "$FAKE_UP_FAILS" ] && { echo "no box for this provider" >&2; exit 1; }
    provider=\${VAGRANT_DEFAULT_PROVIDER:-virtualbox}
    for arg in "$@"; do case "$arg" in --provider=*) provider=\${arg#--provider=};; esac; done
    mkdir -p ".vagrant/machines/$2/$provider"
    printf '{"name":"%s","version":"20251101.0.0","provider":"%s"}' "$FAKE_BOX" "$provider" \
      > ".vagrant/machines/$2/$provider/box_meta"
    echo "$provider" > ".vagrant/machines/$2/provider" ;;
  status)
    provider=$(cat ".vagrant/machines/$3/provider" 2>/dev/null || echo "\${VAGRANT_DEFAULT_PROVIDER:-virtualbox}")
    echo "1700000000,$3,metadata,provider,$provider"
    echo "1700000000,$3,provider-name,$provider"
    echo "1700000000,$3,state,running" ;;
  ssh-config) printf 'Host %s\n  HostName 127.0.0.1\n  Port 2222\n' "$2" ;;
esac
`;
  const FAKE_CLI = `import { appendFileSync, existsSync, writeFileSync } from "node:fs";
appendFileSync(process.env.E2E_DIR + "/cli.log", process.argv.slice(2).join(" ") + "\\n");
const status = existsSync("ran-once") ? "skipped" : "changed";
writeFileSync("ran-once", "");
const steps = ["docker-packages", "docker-group"].map((id) => ({ id, status }));
console.log(JSON.stringify({ hosts: [{ ok: true, steps }] }));
`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vagrant-e2e-"));
    await mkdir(join(dir, "bin"));
    await writeFile(join(dir, "bin", "vagrant"), FAKE_VAGRANT);
    await chmod(join(dir, "bin", "vagrant"), 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs scripts/vagrant-e2e.mjs --no-build in a fresh working directory. */
  async function e2e(args: string[], env: Record<string, string> = {}) {
    const cwd = await mkdtemp(join(dir, "run-"));
    await mkdir(join(cwd, "dist"));
    await writeFile(join(cwd, "dist", "cli.mjs"), FAKE_CLI);
    const run = spawnSync(
      process.execPath,
      [join(root, "scripts/vagrant-e2e.mjs"), "--no-build", ...args],
      {
        cwd,
        encoding: "utf8",
        timeout: 60_000,
        env: {
          ...process.env,
          PATH: `${join(dir, "bin")}:${process.env.PATH}`,
          E2E_DIR: cwd,
          FAKE_BOX: "cloud-image/ubuntu-24.04",
          VAGRANT_DEFAULT_PROVIDER: "",
          NO_COLOR: "1",
          FORCE_COLOR: "0",
          ...env,
        },
      },
    );
    const log = async (name: string) =>
      (await readFile(join(cwd, name), "utf8").catch(() => "")).trim().split("\n");
    return { ...run, vagrant: await log("vagrant.log"), cli: await log("cli.log") };
  }

  it("prints the box and provider a machine came up with, and destroys it", async () => {
    const run = await e2e(["--provider", "libvirt", "noble"]);
    expect(run.stderr).toContain("[noble] vagrant up (provider: libvirt)");
    expect(run.stderr).toContain(
      "[noble] box cloud-image/ubuntu-24.04 20251101.0.0, provider libvirt",
    );
    expect(run.stdout).toMatch(/^machine\s+box\s+provider\s+up\b/m);
    expect(run.stdout).toMatch(
      /^noble\s+cloud-image\/ubuntu-24\.04 20251101\.0\.0\s+libvirt\s.*\s2\s+ok$/m,
    );
    expect(run.vagrant).toEqual([
      "up noble --provider=libvirt",
      "status --machine-readable noble",
      "ssh-config noble",
      "destroy -f noble",
    ]);
    expect(run.cli).toEqual([
      "--ssh noble --ssh-config .vagrant/ssh-config-noble --no-nvidia --yes --json",
      "--ssh noble --ssh-config .vagrant/ssh-config-noble --no-nvidia --yes --json",
    ]);
    expect(run.status, run.stderr).toBe(0);
  }, 60_000);

  it("names the provider of a machine that did not come up, and still destroys it", async () => {
    const run = await e2e(["jammy"], { VAGRANT_DEFAULT_PROVIDER: "libvirt", FAKE_UP_FAILS: "1" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("[jammy] vagrant up (provider: libvirt)");
    expect(run.stdout).toMatch(/^jammy\s+-\s+libvirt\s.*FAILED: `vagrant up jammy` exited 1$/m);
    expect(run.vagrant).toEqual([
      "up jammy",
      "status --machine-readable jammy",
      "destroy -f jammy",
    ]);
    expect(run.cli).toEqual([""]);
  }, 60_000);
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
