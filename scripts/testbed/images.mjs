// `images`: the host images, cached by a hash of their build inputs.
//   debian12           debootstrap --variant=minbase bookworm, systemd as PID 1, sshd, sudo, accounts
//   debian12-docker-io + Debian's docker.io, enabled, seeded at first boot with an image and a
//                        stopped container (the conflict path)
//   ubuntu2404-like    + /etc/os-release of Ubuntu 24.04 noble (same userland)
//   debian12-gpu       + a test double of nvidia-smi (an RTX 5090, driver 580.95.05)
import fs from "node:fs";
import path from "node:path";
import { ensureDebs } from "./debs.mjs";
import { assetsDir, IMAGE_PREFIX, LABEL, paths } from "./paths.mjs";
import { helloImage } from "./payloads.mjs";
import { $, hashInputs, log, timed } from "./proc.mjs";
import { baseHash, baseRootfs } from "./rootfs.mjs";

export const VARIANTS = ["debian12", "debian12-docker-io", "ubuntu2404-like", "debian12-gpu"];

/** Debian packages the debian12-docker-io variant preinstalls (from this machine's apt). */
export const DOCKER_IO_DEBS = ["docker.io", "containerd", "runc", "tini"];

const hostAssets = path.join(assetsDir, "host");

export function imagesHash() {
  return hashInputs([
    "images v1",
    baseHash(),
    DOCKER_IO_DEBS.join(","),
    `file:${path.join(import.meta.dirname, "images.mjs")}`,
    `file:${path.join(import.meta.dirname, "payloads.mjs")}`,
    `file:${path.join(hostAssets, "units", "vla-testbed-seed.service")}`,
    `file:${path.join(hostAssets, "nvidia-smi")}`,
    `file:${path.join(hostAssets, "os-release-ubuntu2404")}`,
    `file:${path.join(hostAssets, "lsb-release-ubuntu2404")}`,
    `file:${path.join(assetsDir, "registry", "hello.c")}`,
  ]).slice(0, 12);
}

export function imageTag(variant, hash = imagesHash()) {
  if (!VARIANTS.includes(variant)) {
    throw new Error(`unknown variant "${variant}" (known: ${VARIANTS.join(", ")})`);
  }
  return `${IMAGE_PREFIX}/${variant}:${hash}`;
}

async function imageExists(tag) {
  return (await $`docker image inspect ${tag}`.nothrow()).exitCode === 0;
}

async function importBase(rootfs, tag, hash) {
  const changes = [
    "-c",
    'CMD ["/sbin/init"]',
    "-c",
    "ENV container=docker",
    "-c",
    `LABEL ${LABEL}=image ${LABEL}.hash=${hash} ${LABEL}.variant=debian12`,
  ];
  await $`tar --numeric-owner --exclude=./.vla-testbed-complete -C ${rootfs} -c . | docker import ${changes} - ${tag}`;
}

/** The build context and Dockerfile of a variant that derives from the base image. */
async function variantContext(variant, baseTag, hash) {
  const ctx = path.join(paths.build, `ctx-${variant}`);
  fs.rmSync(ctx, { recursive: true, force: true });
  fs.mkdirSync(ctx, { recursive: true });
  const lines = [`FROM ${baseTag}`];
  if (variant === "debian12-docker-io") {
    const debs = await ensureDebs(DOCKER_IO_DEBS);
    fs.mkdirSync(path.join(ctx, "debs"));
    for (const deb of debs) fs.copyFileSync(deb, path.join(ctx, "debs", path.basename(deb)));
    const keep = `${IMAGE_PREFIX}/keep:latest`;
    await helloImage(keep);
    await $`docker save -o ${path.join(ctx, "keep.tar")} ${keep}`;
    fs.copyFileSync(
      path.join(hostAssets, "units", "vla-testbed-seed.service"),
      path.join(ctx, "vla-testbed-seed.service"),
    );
    lines.push(
      "COPY debs/ /tmp/debs/",
      "COPY keep.tar /opt/vla-testbed/seed/keep.tar",
      "COPY vla-testbed-seed.service /etc/systemd/system/vla-testbed-seed.service",
      // policy-rc.d: no service may start while the image is built.
      "RUN printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d" +
        " && DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/debs/*.deb" +
        " && rm -rf /tmp/debs /usr/sbin/policy-rc.d" +
        " && systemctl enable containerd.service docker.service docker.socket vla-testbed-seed.service",
    );
  } else if (variant === "ubuntu2404-like") {
    fs.copyFileSync(path.join(hostAssets, "os-release-ubuntu2404"), path.join(ctx, "os-release"));
    fs.copyFileSync(path.join(hostAssets, "lsb-release-ubuntu2404"), path.join(ctx, "lsb-release"));
    lines.push(
      "COPY os-release /usr/lib/os-release",
      "COPY lsb-release /etc/lsb-release",
      "RUN ln -sf ../usr/lib/os-release /etc/os-release && echo trixie/sid >/etc/debian_version" +
        " && printf 'Ubuntu 24.04.3 LTS \\\\n \\\\l\\n\\n' >/etc/issue",
    );
  } else if (variant === "debian12-gpu") {
    fs.copyFileSync(path.join(hostAssets, "nvidia-smi"), path.join(ctx, "nvidia-smi"));
    lines.push("COPY nvidia-smi /usr/bin/nvidia-smi", "RUN chmod 0755 /usr/bin/nvidia-smi");
  }
  lines.push(`LABEL ${LABEL}=image ${LABEL}.hash=${hash} ${LABEL}.variant=${variant}`);
  fs.writeFileSync(path.join(ctx, "Dockerfile"), `${lines.join("\n")}\n`);
  return ctx;
}

/** Removes host images built from earlier inputs (those a container still uses stay). */
async function pruneOldImages(hash) {
  const listing =
    await $`docker images --filter ${`label=${LABEL}=image`} --format {{.Repository}}:{{.Tag}}`;
  const old = listing.stdout.split("\n").filter((tag) => tag && !tag.endsWith(`:${hash}`));
  for (const tag of old) await $`docker rmi ${tag}`.nothrow();
}

/** Builds every variant not yet built for the current inputs; returns { variant: tag }. */
export async function images({ timings } = {}) {
  const hash = imagesHash();
  const tags = Object.fromEntries(VARIANTS.map((v) => [v, imageTag(v, hash)]));
  const missing = [];
  for (const variant of VARIANTS) if (!(await imageExists(tags[variant]))) missing.push(variant);
  if (missing.length === 0) {
    log(`images up to date (${hash})`);
    return tags;
  }
  if (!(await imageExists(tags.debian12))) {
    const rootfs = await timed("images: base tree", () => baseRootfs(), timings);
    await timed("images: import debian12", () => importBase(rootfs, tags.debian12, hash), timings);
  }
  for (const variant of missing.filter((v) => v !== "debian12")) {
    await timed(
      `images: build ${variant}`,
      async () => {
        const ctx = await variantContext(variant, tags.debian12, hash);
        const env = { ...process.env, DOCKER_BUILDKIT: "0" };
        await $({ env })`docker build -q -t ${tags[variant]} ${ctx}`;
      },
      timings,
    );
  }
  await pruneOldImages(hash);
  return tags;
}
