/**
 * The workspace's container on the GPU test double, over real SSH: provision, write the workspace
 * with an image the test registry serves, then `./run_docker.sh` as the login user sees the GPU,
 * writes files the user owns, keeps the caches in the mounted cache and shares the host's /dev/shm.
 *
 * Test hosts cannot grant `--ulimit memlock=-1` (no CAP_SYS_RESOURCE; see the README): the runs set
 * VLA_ULIMITS, the launcher's documented way around it, to the stack limit alone.
 */
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Check } from "../../src/doctor/checks.js";
import { formatKb } from "../../src/workspace/cache-dir.js";
import type { WorkspaceReport } from "../../src/workspace/report.js";
import { explain, runCli, sshFlags } from "./_helpers/cli.js";
import { type ExecResult, sshCommandArgs, startHost, type TestHost } from "./_helpers/testbed.js";

/** The test bed's CUDA stand-in (busybox), served by the registry mirror the host is given. */
const IMAGE = "nvidia/cuda:13.0.2-base-ubuntu24.04";
const DIR = "/home/ops/vla-run";
const ULIMITS = "VLA_ULIMITS='--ulimit stack=67108864'";

describe("./run_docker.sh on the GPU test double (RTX 5090), over SSH as ops", () => {
  let host: TestHost;
  let cacheDir = "";

  /** A command run over SSH as ops, in the project folder. */
  async function asOps(command: string): Promise<ExecResult> {
    const result = await execa("ssh", [...sshCommandArgs(host), `cd ${DIR} && ${command}`], {
      stdin: "ignore",
      reject: false,
      timeout: 180_000,
    });
    return {
      code: result.exitCode ?? -1,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
    };
  }

  const show = (r: ExecResult) =>
    `exit ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`;

  beforeAll(async () => {
    host = await startHost("debian12-gpu", { user: "ops" });
    const provision = await runCli([...sshFlags(host), ...host.cliArgs, "--no-verify"]);
    expect(provision.code, explain(provision)).toBe(0);
    const written = await runCli([
      "workspace",
      "vla-run",
      ...sshFlags(host),
      "--image",
      IMAGE,
      "--json",
    ]);
    expect(written.code, explain(written)).toBe(0);
    const report = JSON.parse(written.stdout) as WorkspaceReport;
    expect(report.hosts[0]?.decisions?.image.value).toBe(IMAGE);
    cacheDir = report.hosts[0]?.decisions?.cacheDir.value ?? "";
    expect(cacheDir).toMatch(/^\//);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("runs nvidia-smi in the container, which sees the GPU", async () => {
    const result = await asOps(`${ULIMITS} ./run_docker.sh nvidia-smi -L`);
    expect(result.code, show(result)).toBe(0);
    expect(result.stdout).toContain("GPU 0: NVIDIA GeForce RTX 5090");
  });

  it("a file made in /workspace inside the container belongs to ops on the host", async () => {
    const result = await asOps(
      `${ULIMITS} ./run_docker.sh sh -c 'touch /workspace/made-inside && pwd && id -u'`,
    );
    expect(result.code, show(result)).toBe(0);
    const [pwd, uid] = result.stdout.trim().split("\n");
    expect(pwd).toBe("/workspace");
    expect(uid).toBe((await host.exec("id -u ops")).stdout.trim());
    const owner = await host.exec(`stat -c '%U:%G' ${DIR}/made-inside`);
    expect(owner.stdout.trim()).toBe("ops:ops");
  });

  it("the cache variables point into the mounted cache dir", async () => {
    const result = await asOps(
      `${ULIMITS} ./run_docker.sh sh -c 'echo "$HF_HOME $HF_DATASETS_CACHE $TORCH_HOME $PIP_CACHE_DIR" && mkdir -p "$HF_HOME" "$TORCH_HOME" && echo model > "$HF_HOME/weights" && echo hub > "$TORCH_HOME/hub"'`,
    );
    expect(result.code, show(result)).toBe(0);
    expect(result.stdout.trim()).toBe(
      "/cache/huggingface /cache/huggingface/datasets /cache/torch /cache/pip",
    );
    const files = await host.exec(
      `cat '${cacheDir}/huggingface/weights' '${cacheDir}/torch/hub' && stat -c %U '${cacheDir}/huggingface/weights'`,
    );
    expect(files.stdout.trim().split("\n"), files.stderr).toEqual(["model", "hub", "ops"]);
  });

  it("/dev/shm inside is the host's (--ipc=host): the same size, and a file made on the host is seen", async () => {
    const size = "df -Pk /dev/shm | awk 'NR == 2 { print $2 }'";
    const outside = await asOps(`${size} && echo from-host > /dev/shm/vla-run-probe`);
    expect(outside.code, show(outside)).toBe(0);
    const inside = await asOps(
      `${ULIMITS} ./run_docker.sh sh -c "${size.replaceAll("$", "\\$")} && cat /dev/shm/vla-run-probe"`,
    );
    expect(inside.code, show(inside)).toBe(0);
    expect(inside.stdout.trim().split("\n")).toEqual([outside.stdout.trim(), "from-host"]);
  });

  it("doctor's VLA readiness part reads the host: /dev/shm, containerd's limits, the cache dir, the image", async () => {
    const doctor = await runCli(["doctor", ...sshFlags(host), "--json"]);
    expect(doctor.code, explain(doctor)).toBe(0);
    const checks = JSON.parse(doctor.stdout).hosts[0].checks as Check[];
    const vla = Object.fromEntries(checks.filter((c) => c.part === "vla").map((c) => [c.id, c]));
    expect(Object.keys(vla)).toEqual([
      "shm",
      "container-nofile",
      "container-memlock",
      "cache-dir",
      "workspace-image",
    ]);
    const shmKb = (await host.exec("df -Pk /dev/shm | awk 'NR == 2 { print $2 }'")).stdout.trim();
    expect(vla.shm?.found).toContain(`/dev/shm ${formatKb(Number(shmKb))}`);
    const pid = (await host.exec("pidof containerd")).stdout.trim().split(" ")[0];
    const soft = (
      await host.exec(`awk '/^Max open files / { print $4 }' /proc/${pid}/limits`)
    ).stdout.trim();
    expect(vla["container-nofile"]?.found).toMatch(
      new RegExp(`^${soft} \\(hard \\S+\\), inherited from containerd`),
    );
    expect(vla["cache-dir"]?.found).toContain(`${cacheDir} on `);
    expect(vla["workspace-image"]?.found).toMatch(/^pytorch\/pytorch:2\.11\.0-cuda13\.0-/);
    const text = await runCli(["doctor", ...sshFlags(host)]);
    expect(text.stdout).toContain("\n  VLA readiness:\n  [");
  });

  it("a real Compose v2 (Debian 13's, the test bed's docker-compose-plugin) accepts compose.yaml, starts dev and execs in it", async () => {
    const version = await asOps("docker compose version");
    expect(version.stdout, show(version)).toMatch(/Docker Compose version v?2\./);
    const config = await asOps("docker compose --profile app config -q");
    expect(config.code, show(config)).toBe(0);
    // Test hosts cannot grant memlock=-1: the override compose.yaml's comment names resets the limits.
    await asOps(
      "printf '%s\\n' 'services:' '  dev:' '    ulimits: !reset {}' > compose.override.yaml",
    );
    try {
      const up = await asOps("docker compose up -d dev");
      expect(up.code, show(up)).toBe(0);
      const inside = await asOps(
        `docker compose exec -T dev sh -c 'nvidia-smi -L && touch /workspace/from-compose && echo "$HF_HOME" && cat /proc/1/comm'`,
      );
      expect(inside.code, show(inside)).toBe(0);
      expect(inside.stdout.trim().split("\n")).toEqual([
        expect.stringContaining("GPU 0: NVIDIA GeForce RTX 5090"),
        "/cache/huggingface",
        expect.stringMatching(/init|tini/),
      ]);
      const owner = await host.exec(`stat -c '%U:%G' ${DIR}/from-compose`);
      expect(owner.stdout.trim()).toBe("ops:ops");
    } finally {
      await asOps("docker compose down -t 1");
      await asOps("rm -f compose.override.yaml");
    }
  });

  it("without VLA_ULIMITS it asks for unlimited locked memory (which only a test host refuses)", async () => {
    const result = await asOps("./run_docker.sh true");
    if (result.code !== 0) expect(result.stderr).toMatch(/rlimit|ulimit|operation not permitted/i);
    const script = await asOps("cat run_docker.sh");
    expect(script.stdout).toContain(
      'ulimits=${VLA_ULIMITS-"--ulimit memlock=-1 --ulimit stack=67108864"}',
    );
  });
});
