import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain, runCli, sshFlags, statuses } from "./_helpers/cli.js";
import { STATE_SNAPSHOT, snapshotChanges } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

const DATA_ROOT = "/data/docker";

async function daemonJson(host: TestHost): Promise<Record<string, unknown>> {
  return JSON.parse((await host.exec("cat /etc/docker/daemon.json")).stdout);
}

/** The value after `flag` in the test host's arguments. */
function argument(host: TestHost, flag: string): string {
  return host.cliArgs[host.cliArgs.indexOf(flag) + 1] ?? "";
}

describe("a --mirror preset of one's own; dockerd's settings: the data root on the big disk, containers' logs rotated", () => {
  let host: TestHost;
  /** The repositories come from a --mirror preset of one's own, pointed at the stand-ins. */
  const mirrors = join(mkdtempSync(join(tmpdir(), "vla-mirrors-")), "mirrors.json");
  const env = { VLA_PROVISION_MIRRORS: mirrors };
  const args = () => [
    ...sshFlags(host),
    ...host.cliArgs.filter(
      (_arg, i) => !["--docker-repo", "--nvidia-repo"].includes(host.cliArgs[i - (i % 2)] ?? ""),
    ),
    "--mirror",
    "testbed",
    "--json",
    "--no-verify",
  ];

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
    writeFileSync(
      mirrors,
      JSON.stringify({
        testbed: {
          dockerRepo: argument(host, "--docker-repo"),
          nvidiaRepo: argument(host, "--nvidia-repo"),
        },
      }),
    );
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("--data-root on a fresh host: dockerd keeps its images there, logs are rotated, in one restart", async () => {
    const dry = await runCli([...args(), "--data-root", DATA_ROOT, "--dry-run"], { env });
    expect(dry.code, explain(dry)).toBe(0);
    expect(dry.stderr).toContain(`+   "data-root": "${DATA_ROOT}"`);
    expect(dry.stderr).toContain('+     "max-size": "100m"');

    const result = await runCli([...args(), "--data-root", DATA_ROOT], { env });
    expect(result.code, explain(result)).toBe(0);
    expect(statuses(result)["daemon-settings"]).toBe("changed");
    const source = await host.exec("cat /etc/apt/sources.list.d/docker.sources");
    expect(source.stdout).toContain(`URIs: ${argument(host, "--docker-repo")}/debian`);
    expect(await daemonJson(host)).toMatchObject({
      "data-root": DATA_ROOT,
      "log-driver": "json-file",
      "log-opts": { "max-size": "100m", "max-file": "3" },
    });
    const info = await host.exec("docker info --format '{{.DockerRootDir}}'");
    expect(info.stdout.trim()).toBe(DATA_ROOT);
    // An image pulled now lands under the new root.
    const pulled = await host.exec(
      `docker pull -q hello-world >/dev/null && ls ${DATA_ROOT}/image/*/imagedb/content/sha256 | wc -l`,
    );
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(Number(pulled.stdout.trim())).toBeGreaterThan(0);
    // A container started now has its log rotated.
    const logConfig = await host.exec(
      "docker create --name rotated hello-world >/dev/null && docker inspect -f '{{json .HostConfig.LogConfig}}' rotated",
    );
    expect(JSON.parse(logConfig.stdout)).toEqual({
      Type: "json-file",
      Config: { "max-file": "3", "max-size": "100m" },
    });
  });

  it("a second run with the same settings changes nothing", async () => {
    const before = await host.exec(STATE_SNAPSHOT);
    const again = await runCli([...args(), "--data-root", DATA_ROOT], { env });
    expect(again.code, explain(again)).toBe(0);
    expect(statuses(again)["daemon-settings"]).toBe("skipped");
    const after = await host.exec(STATE_SNAPSHOT);
    expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);
  });

  it("another --data-root while the current one holds an image, a container and a volume: refused before any change", async () => {
    await host.exec("docker volume create datasets >/dev/null");
    const before = await host.exec(STATE_SNAPSHOT);
    const result = await runCli([...args(), "--data-root", "/data/elsewhere"], { env });
    expect(result.code, explain(result)).toBe(3);
    expect(result.stderr).toMatch(
      /--data-root \/data\/elsewhere: dockerd's data root \/data\/docker holds 1 image\(s\), 1 container\(s\), 1 volume\(s\); switching would hide them/,
    );
    const after = await host.exec(STATE_SNAPSHOT);
    expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);
  });

  it("--move-data: dockerd stops, the data is copied, and every image, container and volume is there after", async () => {
    const contents =
      "docker image ls -aq --no-trunc | sort; docker ps -aq --no-trunc | sort; docker volume ls -q | sort";
    await host.exec("echo kept > \"$(docker volume inspect -f '{{.Mountpoint}}' datasets)/file\"");
    const before = await host.exec(contents);
    const dry = await runCli(
      [...args(), "--data-root", "/data/elsewhere", "--move-data", "--dry-run"],
      {
        env,
      },
    );
    expect(dry.code, explain(dry)).toBe(0);
    expect(dry.stderr).toContain(
      "copy /data/docker to /data/elsewhere (cp -a; /data/docker is kept)",
    );
    const result = await runCli([...args(), "--data-root", "/data/elsewhere", "--move-data"], {
      env,
    });
    expect(result.code, explain(result)).toBe(0);
    const step = result.report?.hosts[0]?.steps.find((s) => s.id === "daemon-settings");
    expect(step?.status).toBe("changed");
    expect(step?.reason).toContain("copied dockerd's data from /data/docker to /data/elsewhere");
    const root = await host.exec("docker info --format '{{.DockerRootDir}}'");
    expect(root.stdout.trim()).toBe("/data/elsewhere");
    const after = await host.exec(contents);
    expect(after.stdout).toBe(before.stdout);
    expect(before.stdout.trim().split("\n")).toHaveLength(3);
    const file = await host.exec(
      "cat \"$(docker volume inspect -f '{{.Mountpoint}}' datasets)/file\"; ls -d /data/docker/volumes/datasets",
    );
    expect(file.stdout.trim()).toBe("kept\n/data/docker/volumes/datasets");
    const again = await runCli([...args(), "--data-root", "/data/elsewhere", "--move-data"], {
      env,
    });
    expect(statuses(again)["daemon-settings"]).toBe("skipped");
  });

  it("the user's own log driver is never replaced", async () => {
    const own = {
      "data-root": "/data/elsewhere",
      "log-driver": "local",
      "registry-mirrors": ["http://127.0.0.1:5000"],
    };
    await host.exec(
      `printf '%s\\n' '${JSON.stringify(own)}' > /etc/docker/daemon.json && systemctl restart docker`,
    );
    const result = await runCli([...args(), "--data-root", "/data/elsewhere"], { env });
    expect(result.code, explain(result)).toBe(0);
    expect(statuses(result)["daemon-settings"]).toBe("skipped");
    expect(await daemonJson(host)).toEqual(own);
  });
});
