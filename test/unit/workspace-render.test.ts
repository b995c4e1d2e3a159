/** The generated files: valid shell and YAML, the flags the issue asks for, and stable text. */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { WorkspaceDecisions } from "../../src/workspace/decisions.js";
import { renderWorkspace } from "../../src/workspace/files.js";
import { hasCommand, requireTool, runsWith } from "../_helpers/tools.js";

const BASE: WorkspaceDecisions = {
  image: "pytorch/pytorch:2.11.0-cuda13.0-cudnn9-runtime",
  cacheDir: "/data/ops/vla-cache",
  name: "vla-demo",
  gpus: "all",
  ports: [7860, 8888],
  shm: { ipcHost: true },
  hostNetwork: false,
  uid: 1000,
  gid: 1001,
};

const LOOPBACK_PROXY: WorkspaceDecisions = {
  ...BASE,
  proxy: { http: "http://127.0.0.1:3128", https: "http://127.0.0.1:3128", noProxy: "localhost" },
  hostNetwork: true,
};

const PRIVATE_SHM: WorkspaceDecisions = { ...BASE, shm: { ipcHost: false, size: "8g" } };

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * The workspace written into a fresh temporary folder, as the command writes it; `localCache` puts
 * the cache dir inside it (run_docker.sh creates the cache dir).
 */
function writeWorkspace(decisions: WorkspaceDecisions, localCache = false): string {
  const dir = mkdtempSync(join(tmpdir(), "vla-workspace-"));
  dirs.push(dir);
  const rendered = localCache ? { ...decisions, cacheDir: join(dir, "cache") } : decisions;
  for (const file of renderWorkspace(rendered)) {
    mkdirSync(join(dir, file.path, ".."), { recursive: true });
    writeFileSync(join(dir, file.path), file.content);
    chmodSync(join(dir, file.path), Number.parseInt(file.mode, 8));
  }
  return dir;
}

function fileOf(decisions: WorkspaceDecisions, path: string): string {
  const file = renderWorkspace(decisions).find((f) => f.path === path);
  if (!file) throw new Error(`no ${path}`);
  return file.content;
}

/**
 * Runs ./run_docker.sh with a `docker` on PATH that prints the arguments it got, one per line:
 * what the real docker CLI would receive.
 */
function dockerArgs(dir: string, args: string[] = [], env: Record<string, string> = {}): string[] {
  const bin = join(dir, ".fake-bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "docker"), '#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a"; done\n');
  chmodSync(join(bin, "docker"), 0o755);
  const result = spawnSync(join(dir, "run_docker.sh"), args, {
    encoding: "utf8",
    env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trimEnd().split("\n");
}

describe("run_docker.sh and scripts/setup.sh", () => {
  it("are valid POSIX sh and bash", () => {
    for (const decisions of [BASE, LOOPBACK_PROXY]) {
      const dir = writeWorkspace(decisions);
      for (const script of ["run_docker.sh", "scripts/setup.sh"]) {
        execFileSync("sh", ["-n", join(dir, script)]);
        execFileSync("bash", ["-n", join(dir, script)]);
      }
    }
  });

  const hasShellcheck = hasCommand("shellcheck");
  it.skipIf(!runsWith(hasShellcheck))("pass shellcheck", () => {
    requireTool(hasShellcheck, "shellcheck (Debian package: shellcheck)");
    for (const decisions of [BASE, LOOPBACK_PROXY, PRIVATE_SHM]) {
      const dir = writeWorkspace(decisions);
      const result = spawnSync("shellcheck", ["--shell=sh", "run_docker.sh", "scripts/setup.sh"], {
        cwd: dir,
        encoding: "utf8",
      });
      expect(result.status, result.stdout + result.stderr).toBe(0);
    }
  });

  it("runs docker with the GPUs, IPC, limits, user, mounts, cache variables and ports", () => {
    const dir = writeWorkspace(BASE, true);
    const args = dockerArgs(dir, ["python", "-c", "print(1)"]);
    const joined = args.join(" ");
    expect(args.slice(0, 2)).toEqual(["run", "--rm"]);
    expect(joined).toContain("--name vla-demo");
    expect(joined).toContain("--gpus all");
    expect(args).toContain("--ipc=host");
    expect(joined).toContain("--ulimit memlock=-1 --ulimit stack=67108864");
    expect(joined).toContain("--user 1000:1001");
    expect(joined).toContain(`-v ${dir}:/workspace -w /workspace`);
    expect(joined).toContain(`-v ${dir}/cache:/cache`);
    for (const variable of [
      "HF_HOME=/cache/huggingface",
      "HF_DATASETS_CACHE=/cache/huggingface/datasets",
      "TORCH_HOME=/cache/torch",
      "PIP_CACHE_DIR=/cache/pip",
    ])
      expect(args).toContain(variable);
    expect(joined).toContain("-p 127.0.0.1:7860:7860 -p 127.0.0.1:8888:8888");
    expect(args.slice(-4)).toEqual([
      "pytorch/pytorch:2.11.0-cuda13.0-cudnn9-runtime",
      "python",
      "-c",
      "print(1)",
    ]);
    expect(joined).not.toContain("proxy");
  });

  it("GPUS=0,1 picks cards for one run; without a command it opens a shell", () => {
    const dir = writeWorkspace(BASE, true);
    const args = dockerArgs(dir, [], { GPUS: "0,1" });
    expect(args[args.indexOf("--gpus") + 1]).toBe('"device=0,1"');
    expect(args.at(-1)).toBe("bash");
  });

  it("VLA_ULIMITS replaces the --ulimit flags, and VLA_ULIMITS= drops them", () => {
    const dir = writeWorkspace(BASE, true);
    const none = dockerArgs(dir, ["true"], { VLA_ULIMITS: "" });
    expect(none).not.toContain("--ulimit");
    expect(none.slice(-2)).toEqual(["pytorch/pytorch:2.11.0-cuda13.0-cudnn9-runtime", "true"]);
    const stack = dockerArgs(dir, ["true"], { VLA_ULIMITS: "--ulimit stack=67108864" });
    expect(stack.filter((a) => a === "--ulimit")).toHaveLength(1);
    expect(stack[stack.indexOf("--ulimit") + 1]).toBe("stack=67108864");
    expect(readFileSync(join(dir, "run_docker.sh"), "utf8")).toContain(
      "# VLA_ULIMITS (in the environment or .env) replaces the --ulimit flags",
    );
  });

  it("a loopback proxy: builds and containers on the host's network, the proxy passed in", () => {
    const dir = writeWorkspace(LOOPBACK_PROXY, true);
    const run = dockerArgs(dir, ["true"]);
    expect(run.join(" ")).toContain("--network host");
    expect(run.join(" ")).not.toContain("-p ");
    expect(run).toContain("http_proxy=http://127.0.0.1:3128");
    expect(run).toContain("HTTPS_PROXY=http://127.0.0.1:3128");
    expect(run).toContain("no_proxy=localhost");
    const build = dockerArgs(dir, ["--build", "true"]);
    const buildEnd = build.indexOf("run");
    expect(build.slice(0, 3)).toEqual(["build", "--network", "host"]);
    expect(build.slice(0, buildEnd)).toContain("http_proxy=http://127.0.0.1:3128");
    expect(build.slice(0, buildEnd)).toContain(
      "BASE_IMAGE=pytorch/pytorch:2.11.0-cuda13.0-cudnn9-runtime",
    );
    expect(build.at(-2)).toBe("vla-demo-app");
  });
});

describe("compose.yaml", () => {
  const composeOf = (decisions: WorkspaceDecisions) =>
    parse(fileOf(decisions, "compose.yaml"), { merge: true }) as {
      name: string;
      services: Record<string, Record<string, unknown>>;
    };

  it("is the same container as run_docker.sh, as a long-running service", () => {
    const compose = composeOf(BASE);
    expect(compose.name).toBe("vla-demo");
    const dev = compose.services.dev ?? {};
    expect(dev).toMatchObject({
      image: "${IMAGE}",
      container_name: "${NAME}-dev",
      command: ["sleep", "infinity"],
      user: "${HOST_UID}:${HOST_GID}",
      working_dir: "/workspace",
      ipc: "host",
      ulimits: { memlock: -1, stack: 67108864 },
      deploy: {
        resources: {
          reservations: {
            devices: [{ driver: "nvidia", device_ids: ["${GPUS}"], capabilities: ["gpu"] }],
          },
        },
      },
      volumes: [".:/workspace", "${CACHE_DIR}:/cache"],
      ports: ["${BIND_ADDRESS}:${PORT_1}:${PORT_1}", "${BIND_ADDRESS}:${PORT_2}:${PORT_2}"],
    });
    expect(dev.environment).toMatchObject({
      HF_HOME: "/cache/huggingface",
      HF_DATASETS_CACHE: "/cache/huggingface/datasets",
      TORCH_HOME: "/cache/torch",
      PIP_CACHE_DIR: "/cache/pip",
    });
    expect(compose.services.app).toMatchObject({
      profiles: ["app"],
      ipc: "host",
      build: { context: ".", args: { BASE_IMAGE: "${IMAGE}" } },
    });
  });

  it("a loopback proxy: build network host, network_mode host, the proxy in builds and containers", () => {
    const compose = composeOf(LOOPBACK_PROXY);
    const app = compose.services.app as { build: Record<string, unknown>; network_mode: string };
    expect(app.build.network).toBe("host");
    expect(app.build.args).toMatchObject({
      http_proxy: "${http_proxy:-}",
      HTTP_PROXY: "${http_proxy:-}",
    });
    expect(app.network_mode).toBe("host");
    expect(compose.services.dev?.ports).toBeUndefined();
    expect(compose.services.dev?.environment).toMatchObject({ https_proxy: "${https_proxy:-}" });
  });

  it("--no-ipc-host: a private /dev/shm of the size asked for", () => {
    const compose = composeOf(PRIVATE_SHM);
    expect(compose.services.dev?.ipc).toBeUndefined();
    expect(compose.services.dev?.shm_size).toBe("${SHM_SIZE}");
  });
});

/**
 * A Docker Compose v2 to validate with: $VLA_COMPOSE (a docker-compose v2 binary, e.g. Debian 13's
 * /usr/libexec/docker/cli-plugins/docker-compose), else `docker compose` when it answers.
 */
function composeV2(): string[] | undefined {
  const candidates = [
    ...(process.env.VLA_COMPOSE ? [[process.env.VLA_COMPOSE]] : []),
    ["docker", "compose"],
  ];
  return candidates.find((command) => {
    const [bin = "", ...args] = command;
    const version = spawnSync(bin, [...args, "version"], { encoding: "utf8" });
    return version.status === 0 && /version v?2\./i.test(version.stdout);
  });
}

describe("compose.yaml with a real Docker Compose v2", () => {
  const compose = composeV2();
  // The machines the tests run on carry no Compose v2 (Debian 12 has none); set VLA_COMPOSE to one.
  it.skipIf(!compose)("docker compose config accepts it, with .env's values in place", () => {
    const [bin = "", ...args] = compose ?? [];
    for (const decisions of [BASE, LOOPBACK_PROXY, PRIVATE_SHM]) {
      const dir = writeWorkspace(decisions);
      const result = spawnSync(bin, [...args, "--profile", "app", "config", "--format", "json"], {
        cwd: dir,
        encoding: "utf8",
      });
      expect(result.status, result.stderr).toBe(0);
      const config = JSON.parse(result.stdout) as {
        name: string;
        services: Record<string, { image: string; user: string; ulimits: unknown }>;
      };
      expect(config.name).toBe("vla-demo");
      expect(config.services.dev).toMatchObject({
        image: decisions.image,
        user: "1000:1001",
        ulimits: { memlock: -1, stack: 67108864 },
      });
      expect(config.services.app?.image).toBe("vla-demo-app");
    }
  });
});

describe(".env", () => {
  /** The values as sh reads them, the way run_docker.sh loads the file. */
  function envValues(decisions: WorkspaceDecisions): Record<string, string> {
    const dir = writeWorkspace(decisions);
    const out = execFileSync("sh", ["-c", "set -a; . ./.env; env"], {
      cwd: dir,
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin" },
    });
    return Object.fromEntries(
      out
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
  }

  it("holds the values people change, read the same by sh", () => {
    expect(envValues(BASE)).toMatchObject({
      IMAGE: "pytorch/pytorch:2.11.0-cuda13.0-cudnn9-runtime",
      NAME: "vla-demo",
      CACHE_DIR: "/data/ops/vla-cache",
      GPUS: "all",
      HOST_UID: "1000",
      HOST_GID: "1001",
      BIND_ADDRESS: "127.0.0.1",
      PORT_1: "7860",
      PORT_2: "8888",
    });
  });

  it("never holds a proxy password", () => {
    const text = fileOf(
      { ...BASE, proxy: { http: "http://bob:s3cret@proxy.lab:3128", noProxy: "localhost,.lab" } },
      ".env",
    );
    expect(text).not.toContain("s3cret");
    expect(text).toContain("# http_proxy: holds a password");
    expect(text).toContain("no_proxy=localhost,.lab");
  });
});

describe("the generated files", () => {
  it("are stable: the same decisions give the same bytes", () => {
    for (const file of renderWorkspace(BASE)) expect(file.content).toMatchSnapshot(file.path);
    for (const file of renderWorkspace(LOOPBACK_PROXY))
      expect(file.content).toMatchSnapshot(`loopback proxy: ${file.path}`);
  });

  it("the Dockerfile: pinned base, requirements before code, a non-root user, ENV PATH", () => {
    const dockerfile = fileOf(BASE, "Dockerfile");
    expect(dockerfile).toContain("ARG BASE_IMAGE=pytorch/pytorch:2.11.0-cuda13.0-cudnn9-runtime");
    const order = [
      "apt-get install",
      "COPY requirements.txt",
      "pip install",
      "COPY --chown",
      "USER app",
    ];
    const positions = order.map((text) => dockerfile.indexOf(text));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(dockerfile).toContain("--mount=type=cache,target=/root/.cache/pip");
    expect(dockerfile).toMatch(/^ENV PATH=/m);
    const ignore = fileOf(BASE, ".dockerignore").split("\n");
    for (const kept of [".git", "models", "datasets", "**/*.log", ".cache", ".env"])
      expect(ignore).toContain(kept);
  });
});
