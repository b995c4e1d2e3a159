import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCommand, requireTool, runsWith } from "../_helpers/tools.js";
import { buildExecutables, ROOT } from "./_helpers/exe.js";
import { STATE_SNAPSHOT, snapshotChanges } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

const hasAnsible = hasCommand("ansible-playbook");
const DEB_CACHE = resolve(ROOT, ".testbed/cache/debs");
const dir = mkdtempSync(join(tmpdir(), "vla-ansible-"));

/**
 * Ansible's modules need Python on the host; the test-bed image has none. apt on this machine
 * works out what Debian's python3 needs on top of the host's own package list (the host's dpkg
 * status, simulated here), fetches those .debs (cached) and the host installs them with dpkg.
 */
async function installPython(hosts: TestHost[]): Promise<void> {
  const [first] = hosts;
  if (!first) return;
  const status = join(dir, "host-dpkg-status");
  writeFileSync(status, (await first.exec("cat /var/lib/dpkg/status")).stdout);
  // Lists older than the archive name versions it no longer has: refreshed once, then again.
  const debs = await fetchDebs(status).catch(async () => {
    await execa("apt-get", ["update", "-q", "-o", "DPkg::Lock::Timeout=300"], { timeout: 300_000 });
    return fetchDebs(status);
  });
  for (const host of hosts) {
    await host.exec("mkdir -p /tmp/debs");
    for (const deb of debs)
      await execa("docker", ["cp", join(DEB_CACHE, deb), `${host.container}:/tmp/debs/${deb}`]);
    // One dpkg call cannot honour a Pre-Depends inside its own set: a pass per level, at most 4.
    const result = await host.exec(
      "cd /tmp/debs && for pass in 1 2 3 4; do DEBIAN_FRONTEND=noninteractive dpkg -i *.deb >/tmp/dpkg.log 2>&1 && break; done; status=$?; cat /tmp/dpkg.log; rm -rf /tmp/debs; exit $status",
    );
    if (result.code !== 0) throw new Error(`installing python3 failed:\n${result.stdout}`);
  }
}

/** The .debs python3 needs on a host with this dpkg status, in unpack order (fetched if not cached). */
async function fetchDebs(status: string): Promise<string[]> {
  const simulated = await execa("apt-get", [
    "-s",
    "-o",
    `Dir::State::status=${status}`,
    "install",
    "--no-install-recommends",
    "python3",
  ]);
  // "Inst python3.11-minimal (3.11.2-6+deb12u6 Debian:12.13/stable [amd64])".
  const wanted = [...simulated.stdout.matchAll(/^Inst (\S+) (?:\[\S+\] )?\((\S+) /gm)].map(
    ([, name = "", version = ""]) => ({ name, prefix: `${name}_${version.replace(":", "%3a")}_` }),
  );
  mkdirSync(DEB_CACHE, { recursive: true });
  const cached = (prefix: string) =>
    readdirSync(DEB_CACHE).find((file) => file.startsWith(prefix) && file.endsWith(".deb"));
  const toFetch = wanted.filter(({ prefix }) => !cached(prefix)).map(({ name }) => name);
  if (toFetch.length > 0)
    await execa("apt-get", ["download", "-o", "APT::Sandbox::User=root", ...toFetch], {
      cwd: DEB_CACHE,
      timeout: 300_000,
    });
  return wanted.map(({ prefix }) => {
    const deb = cached(prefix);
    if (!deb) throw new Error(`no .deb for ${prefix} in ${DEB_CACHE}`);
    return deb;
  });
}

interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

/** PLAY RECAP lines: `h1 : ok=7 changed=1 unreachable=0 failed=0 ...`. */
function recapOf(stdout: string): Record<string, Recap> {
  const recap: Record<string, Recap> = {};
  for (const match of stdout.matchAll(
    /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm,
  )) {
    const [, host = "", ok, changed, unreachable, failed] = match;
    recap[host] = {
      ok: Number(ok),
      changed: Number(changed),
      unreachable: Number(unreachable),
      failed: Number(failed),
    };
  }
  return recap;
}

describe.skipIf(!runsWith(hasAnsible))("the Ansible role, against two test hosts", () => {
  let hosts: TestHost[] = [];
  let exe = "";

  beforeAll(async () => {
    requireTool(hasAnsible, "ansible-playbook (Debian package: ansible-core)");
    const [built, ...started] = await Promise.all([
      buildExecutables(),
      startHost("debian12", { user: "ops" }),
      startHost("debian12", { user: "ops" }),
    ]);
    exe = built.x64;
    hosts = started;
    await installPython(hosts);
    const knownHosts = join(dir, "known_hosts");
    writeFileSync(knownHosts, hosts.map((host) => readFileSync(host.knownHosts, "utf8")).join(""));
    writeFileSync(
      join(dir, "inventory.ini"),
      [
        "[gpu]",
        ...hosts.map(
          (host, i) =>
            `h${i + 1} ansible_host=127.0.0.1 ansible_port=${host.ssh.split(":").at(-1)} ansible_user=ops ansible_ssh_private_key_file=${host.key}`,
        ),
        "",
        "[gpu:vars]",
        "ansible_python_interpreter=/usr/bin/python3",
        `ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'`,
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(dir, "vars.json"),
      JSON.stringify({ vla_provision_executable: exe, vla_provision_args: hosts[0]?.cliArgs }),
    );
  });
  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
  });

  const playbook = (...extra: string[]) =>
    execa(
      "ansible-playbook",
      [
        "-i",
        join(dir, "inventory.ini"),
        "-e",
        `@${join(dir, "vars.json")}`,
        ...extra,
        "ansible/site.yml",
      ],
      {
        cwd: ROOT,
        reject: false,
        timeout: 900_000,
        env: {
          ANSIBLE_NOCOLOR: "1",
          ANSIBLE_RETRY_FILES_ENABLED: "0",
          ANSIBLE_LOCAL_TEMP: join(dir, "tmp"),
          ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, "cp"),
        },
      },
    );
  const explainRun = (run: { exitCode?: number; stdout: unknown; stderr: unknown }) =>
    `exit ${run.exitCode}\n${String(run.stdout).slice(-6000)}\n${String(run.stderr).slice(-2000)}`;

  it("--check first: a dry run on each host that changes nothing", async () => {
    const before = await Promise.all(hosts.map((host) => host.exec(STATE_SNAPSHOT)));
    const run = await playbook("--check");
    expect(run.exitCode, explainRun(run)).toBe(0);
    const recap = recapOf(String(run.stdout));
    for (const name of ["h1", "h2"]) {
      expect(recap[name]?.failed, explainRun(run)).toBe(0);
      // Predicted: the executable would be installed and steps would change.
      expect(recap[name]?.changed).toBeGreaterThan(0);
    }
    expect(String(run.stdout)).toContain("planned: ");
    for (const [i, host] of hosts.entries()) {
      const after = await host.exec(STATE_SNAPSHOT);
      expect(snapshotChanges(before[i]?.stdout ?? "", after.stdout)).toEqual([]);
      expect((await host.exec("test -e /usr/local/bin/vla-provision")).code).not.toBe(0);
      expect((await host.exec("ls /tmp | grep -c vla-provision || true")).stdout.trim()).toBe("0");
    }
  });

  it("the first run changes each host, the second changes nothing, --check then too", async () => {
    const first = await playbook();
    expect(first.exitCode, explainRun(first)).toBe(0);
    const firstRecap = recapOf(String(first.stdout));
    for (const [i, name] of ["h1", "h2"].entries()) {
      expect(firstRecap[name]?.failed, explainRun(first)).toBe(0);
      expect(firstRecap[name]?.changed).toBeGreaterThanOrEqual(2);
      expect((await hosts[i]?.exec("docker --version"))?.code).toBe(0);
    }
    expect(String(first.stdout)).toContain("changed: Install Docker CE packages");

    const second = await playbook();
    expect(second.exitCode, explainRun(second)).toBe(0);
    for (const name of ["h1", "h2"]) {
      expect(recapOf(String(second.stdout))[name], explainRun(second)).toMatchObject({
        changed: 0,
        failed: 0,
      });
    }

    const check = await playbook("--check");
    expect(check.exitCode, explainRun(check)).toBe(0);
    for (const name of ["h1", "h2"])
      expect(recapOf(String(check.stdout))[name]).toMatchObject({ changed: 0, failed: 0 });
  });

  it("a failing run fails the task with the step's reason", async () => {
    const bad = join(dir, "bad-vars.json");
    writeFileSync(
      bad,
      JSON.stringify({
        vla_provision_executable: exe,
        vla_provision_args: [...(hosts[0]?.cliArgs ?? []), "--docker-version", "1.0"],
      }),
    );
    const run = await playbook("-e", `@${bad}`, "--limit", "h1");
    expect(run.exitCode, explainRun(run)).not.toBe(0);
    expect(recapOf(String(run.stdout)).h1?.failed).toBe(1);
    expect(String(run.stdout)).toMatch(/FAILED: .*1\.0/);
  });
});
