// `engine`: the tools the test bed needs on this machine, and a Docker engine that answers.
import { $, log, sleep, waitFor } from "./proc.mjs";

/** Debian packages the test bed uses on the build machine (not on the hosts). */
export const BUILD_PACKAGES = [
  "docker.io", // the engine that runs the hosts
  "debootstrap", // the hosts' root file systems
  "apt-utils", // apt-ftparchive: Packages and Release files of the stand-in repositories
  "dpkg-dev", // dpkg-scanpackages and friends
  "gnupg", // signing keys of the stand-in repositories
  "busybox-static", // httpd inside the hosts, and the CUDA-named image
  "docker-registry", // the Distribution registry
  "gcc", // the static hello-world binary
  "libc6-dev",
  "openssh-client", // ssh-keygen, ssh-keyscan, ssh
  "xz-utils",
  "ca-certificates",
  "debian-archive-keyring", // Debian 12's packages on a machine that is not Debian 12
];

async function missingPackages(names) {
  const format = "${Package} ${Status}\n";
  const result = await $`dpkg-query -W -f=${format} ${names}`.nothrow();
  const installed = new Set(
    result.stdout
      .split("\n")
      .filter((line) => line.endsWith(" installed"))
      .map((line) => line.split(" ")[0]),
  );
  return names.filter((name) => !installed.has(name));
}

export async function ensurePackages(names = BUILD_PACKAGES) {
  const missing = await missingPackages(names);
  if (missing.length === 0) return;
  log(`installing ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const aptOpts = ["-o", "DPkg::Lock::Timeout=300"];
  const install = () =>
    $({
      env,
    })`timeout 900 apt-get install -y --no-install-recommends ${aptOpts} ${missing}`.nothrow();
  let result = await install();
  if (result.exitCode !== 0) {
    await $({ env })`timeout 300 apt-get update ${aptOpts}`;
    result = await install();
  }
  if (result.exitCode !== 0) {
    throw new Error(`apt-get install ${missing.join(" ")} failed:\n${result.stderr.slice(-2000)}`);
  }
}

async function dockerAnswers() {
  return (await $`timeout 20 docker info --format {{.ServerVersion}}`.nothrow()).exitCode === 0;
}

/** Starts dockerd in the background when no engine answers (this machine has no systemd). */
export async function ensureDockerd() {
  if (await dockerAnswers()) return;
  log("starting dockerd (log: /var/log/dockerd.log)");
  const dockerd = (await $`command -v dockerd`.nothrow()).stdout.trim() || "/usr/sbin/dockerd";
  // setsid + nohup: dockerd must outlive this script.
  await $`setsid nohup ${dockerd} >>/var/log/dockerd.log 2>&1 < /dev/null &`;
  await sleep(500);
  await waitFor(dockerAnswers, {
    attempts: 60,
    timeoutMs: 90_000,
    message: "dockerd did not answer (see /var/log/dockerd.log)",
  });
}

export async function engine() {
  // An engine that already answers (a CI runner's Docker CE) is used as it is: Debian's docker.io
  // would conflict with it.
  const running = await dockerAnswers();
  await ensurePackages(BUILD_PACKAGES.filter((name) => !(running && name === "docker.io")));
  await ensureDockerd();
  const version = (await $`docker version --format {{.Server.Version}}`).stdout.trim();
  log(`docker engine ${version} answers`);
}
