// vla-provision test bed: `npm run testbed -- <subcommand>` (see scripts/testbed/README.md).
// Progress goes to stderr; `host` prints its JSON, and only that, on stdout.
import { engine } from "./engine.mjs";
import { down, HOST_VARIANTS, startHost, USERS } from "./hosts.mjs";
import { images } from "./images.mjs";
import { log } from "./proc.mjs";
import { registry } from "./registry.mjs";
import { repos } from "./repos.mjs";
import { setup } from "./setup.mjs";

const usage = `usage: npm run testbed -- <subcommand>
  engine                          install the build tools, start dockerd when none answers
  images                          build the host images (cached by content hash)
  repos                           build the stand-in Docker and NVIDIA apt repositories
  registry                        seed the registry storage (hello-world, nvidia/cuda tags)
  setup                           engine + images + repos + registry
  host <variant> [--user U]       start a host and print its JSON
                                  variants: ${HOST_VARIANTS.join(", ")}
                                  U: ${USERS.join(", ")} (default ops)
  down [name]                     remove one host, or every host the test bed started`;

function option(args, name) {
  const at = args.indexOf(name);
  if (at >= 0) return args[at + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

async function main(argv) {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "engine":
      return engine();
    case "images":
      await engine();
      await images();
      return;
    case "repos":
      await engine();
      await repos();
      return;
    case "registry":
      await engine();
      await registry();
      return;
    case "setup":
      await setup();
      return;
    case "host": {
      const user = option(rest, "--user") ?? "ops";
      const variant = rest.find((a, i) => !a.startsWith("-") && rest[i - 1] !== "--user");
      if (!variant) throw new Error(`host: which variant? (${HOST_VARIANTS.join(", ")})`);
      if (!HOST_VARIANTS.includes(variant))
        throw new Error(`host: unknown variant "${variant}" (known: ${HOST_VARIANTS.join(", ")})`);
      if (!USERS.includes(user))
        throw new Error(`host: unknown user "${user}" (known: ${USERS.join(", ")})`);
      if (!rest.includes("--no-setup")) await setup();
      const host = await startHost(variant, { user });
      process.stdout.write(`${JSON.stringify(host, null, 2)}\n`);
      return;
    }
    case "down": {
      const removed = await down(rest[0]);
      log(removed.length ? `removed ${removed.join(" ")}` : "no test-bed hosts to remove");
      return;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${usage}\n`);
      return;
    default:
      process.stderr.write(`unknown subcommand "${sub}"\n${usage}\n`);
      process.exitCode = 2;
  }
}

try {
  // zx passes [node, zx, main.mjs, ...args]; node alone [node, main.mjs, ...args].
  await main(process.argv.slice(process.argv.findIndex((a) => a.endsWith("main.mjs")) + 1));
} catch (error) {
  log(`error: ${error.message || error}`);
  process.exitCode = 1;
}
