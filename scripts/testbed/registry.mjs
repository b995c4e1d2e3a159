// `registry`: seeds the storage of a Distribution registry (Debian's docker-registry) with the
// images the hosts pull through their registry mirror: library/hello-world:latest and
// nvidia/cuda:<tags>. The registry runs on this machine's loopback only while it is seeded.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { assetsDir, paths } from "./paths.mjs";
import { cudaImage, helloImage } from "./payloads.mjs";
import { $, hashInputs, log, readStamp, timed, waitFor, writeStamp } from "./proc.mjs";

export const CUDA_TAGS = [
  "12.8.1-base-ubuntu24.04",
  "12.9.1-base-ubuntu24.04",
  "13.0.0-base-ubuntu24.04",
  "13.0.1-base-ubuntu24.04",
  "13.0.2-base-ubuntu24.04",
  "13.1.0-base-ubuntu24.04",
];

export function registryHash() {
  return hashInputs([
    "registry v1",
    CUDA_TAGS.join(","),
    `file:${path.join(import.meta.dirname, "registry.mjs")}`,
    `file:${path.join(import.meta.dirname, "payloads.mjs")}`,
    `file:${path.join(assetsDir, "registry")}`,
  ]).slice(0, 12);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs docker-registry on 127.0.0.1 with `root` as storage while `fn(port)` runs, then stops it. */
async function withSeedRegistry(root, fn) {
  const port = await freePort();
  const config = path.join(paths.build, "seed-registry.yml");
  const template = fs.readFileSync(path.join(assetsDir, "registry", "seed.yml"), "utf8");
  fs.writeFileSync(config, template.replace("@ROOT@", root).replace("@PORT@", String(port)));
  const logFile = path.join(paths.build, "seed-registry.log");
  const out = fs.openSync(logFile, "w");
  const child = spawn("/usr/bin/docker-registry", ["serve", config], {
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`docker-registry exited: ${fs.readFileSync(logFile, "utf8")}`);
        return (await fetch(`http://127.0.0.1:${port}/v2/`)).ok;
      },
      {
        attempts: 40,
        timeoutMs: 20_000,
        intervalMs: 250,
        message: "the seeding registry did not answer",
      },
    );
    return await fn(port);
  } finally {
    child.kill("SIGTERM");
    await waitFor(async () => child.exitCode !== null || child.signalCode !== null, {
      attempts: 50,
      timeoutMs: 5000,
      intervalMs: 100,
      message: "docker-registry did not stop",
    }).catch(() => child.kill("SIGKILL"));
  }
}

async function push(local, remote) {
  await $`docker tag ${local} ${remote}`;
  await $`timeout 120 docker push ${remote}`;
  await $`docker rmi ${remote}`;
}

/** Seeds .testbed/registry unless it is current. */
export async function registry({ timings } = {}) {
  const hash = registryHash();
  if (
    fs.existsSync(path.join(paths.registry, "docker")) &&
    readStamp(paths.state, "registry") === hash
  ) {
    log(`registry up to date (${hash})`);
    return;
  }
  const tmp = `${paths.registry}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const hello = await timed("registry: build hello-world", () => helloImage(), timings);
  const cuda = await timed("registry: build the CUDA-named image", () => cudaImage(), timings);
  await timed(
    "registry: push",
    () =>
      withSeedRegistry(tmp, async (port) => {
        await push(hello, `127.0.0.1:${port}/library/hello-world:latest`);
        for (const tag of CUDA_TAGS) await push(cuda, `127.0.0.1:${port}/nvidia/cuda:${tag}`);
      }),
    timings,
  );
  // Swap the storage in; running hosts mount the directory, so its contents are replaced in place.
  fs.mkdirSync(paths.registry, { recursive: true });
  fs.rmSync(path.join(paths.registry, "docker"), { recursive: true, force: true });
  fs.renameSync(path.join(tmp, "docker"), path.join(paths.registry, "docker"));
  fs.rmSync(tmp, { recursive: true, force: true });
  writeStamp(paths.state, "registry", hash);
}
