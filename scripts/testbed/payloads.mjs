// The two tiny images the test bed serves in place of Docker Hub's: hello-world (a static binary
// printing Docker's greeting) and a CUDA-named image (busybox only). Built here, never pulled.
import fs from "node:fs";
import path from "node:path";
import { assetsDir, IMAGE_PREFIX, LABEL, paths } from "./paths.mjs";
import { $ } from "./proc.mjs";

export const HELLO_SOURCE = path.join(assetsDir, "registry", "hello.c");

/** Builds the root file system of the hello-world image: just /hello. */
export async function helloRootfs() {
  const dir = path.join(paths.build, "payloads", "hello-rootfs");
  const bin = path.join(dir, "hello");
  if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs < fs.statSync(HELLO_SOURCE).mtimeMs) {
    fs.mkdirSync(dir, { recursive: true });
    await $`gcc -static -Os -s -o ${bin} ${HELLO_SOURCE}`;
  }
  return dir;
}

/** Builds the root file system of the CUDA-named image: busybox as /bin/sh and its applets. */
export async function busyboxRootfs() {
  const dir = path.join(paths.build, "payloads", "busybox-rootfs");
  const marker = path.join(dir, "bin", "busybox");
  if (!fs.existsSync(marker)) {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const sub of ["bin", "usr/bin", "tmp", "etc"])
      fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.copyFileSync("/bin/busybox", marker);
    fs.chmodSync(marker, 0o755);
    const applets = (await $`/bin/busybox --list`).stdout.split("\n").filter(Boolean);
    for (const applet of applets) {
      if (applet === "busybox") continue;
      fs.symlinkSync("busybox", path.join(dir, "bin", applet));
    }
    fs.writeFileSync(path.join(dir, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    fs.writeFileSync(path.join(dir, "etc", "group"), "root:x:0:\n");
  }
  return dir;
}

/** `docker import`s a directory as an image with the given CMD (and the test bed's label). */
export async function importDir(dir, tag, cmd) {
  const changes = ["-c", `CMD ${JSON.stringify(cmd)}`, "-c", `LABEL ${LABEL}=payload`];
  await $`tar --numeric-owner -C ${dir} -c . | docker import ${changes} - ${tag}`;
  return tag;
}

export async function helloImage(tag = `${IMAGE_PREFIX}/hello-world:latest`) {
  return importDir(await helloRootfs(), tag, ["/hello"]);
}

export async function cudaImage(tag = `${IMAGE_PREFIX}/cuda:base`) {
  return importDir(await busyboxRootfs(), tag, ["/bin/sh"]);
}
