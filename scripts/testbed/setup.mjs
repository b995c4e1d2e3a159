// `setup`: engine + images + repos + registry, each cached; prints where the time went.
import { engine } from "./engine.mjs";
import { images } from "./images.mjs";
import { paths } from "./paths.mjs";
import { log, timed, withLock } from "./proc.mjs";
import { registry } from "./registry.mjs";
import { repos } from "./repos.mjs";

export async function setup() {
  const timings = [];
  const started = Date.now();
  // Two test processes may ask for the set-up at once: one builds, the other waits and reuses.
  const result = await withLock(paths.lock, async () => {
    await timed("engine", () => engine(), timings);
    const tags = await timed("images", () => images({ timings }), timings);
    const keys = await timed("repos", () => repos({ timings }), timings);
    await timed("registry", () => registry({ timings }), timings);
    return { tags, keys };
  });
  const total = (Date.now() - started) / 1000;
  log("where the time went:");
  for (const { step, seconds } of timings) log(`  ${seconds.toFixed(1).padStart(7)} s  ${step}`);
  log(`  ${total.toFixed(1).padStart(7)} s  setup in all`);
  log(`Docker stand-in key fingerprint: ${result.keys.docker.fingerprint}`);
  log(`NVIDIA stand-in key fingerprint: ${result.keys.nvidia.fingerprint}`);
  return result;
}
