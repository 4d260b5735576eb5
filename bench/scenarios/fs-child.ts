/**
 * @module bench/scenarios/fs-child: the process entry of the volume-data scenarios (`node fs-child.ts <name>
 * <json-args>`), like bench/scenario.ts but importing only the repository code, so that its peak RSS is the
 * engine's and not the Kubernetes server's modules. Prints one ScenarioResult JSON line; figures counted
 * after the timed part (objects and bytes written) are merged into `extra`. With SKIFF_BENCH_MEM set, the
 * timed part is sampled: where the memory is at its RSS peak joins `extra` as `peak_<field>MB`, and with
 * SKIFF_BENCH_MEM=maps the mappings holding it are printed to stderr.
 */
import { samplerFromEnv, type MemorySampler } from '../mem-sampler.ts';
import { runScenarioMain, type Scenario } from '../scenario-context.ts';
import { fsBackup, fsFloorCopy, fsFloorRead, fsRestore, type FsArgs } from './fs.ts';
import { fsMicro } from './fs-micro.ts';

const SCENARIOS: Record<string, Scenario<FsArgs>> = {
  'fs-backup': fsBackup,
  'fs-restore': fsRestore,
  'fs-floor-read': fsFloorRead,
  'fs-floor-copy': fsFloorCopy,
  'fs-micro': fsMicro,
};

/** `scenario` with its timed part sampled as SKIFF_BENCH_MEM asks (unchanged when it is unset). */
function sampled(scenario: Scenario<FsArgs>): Scenario<FsArgs> {
  if (!process.env.SKIFF_BENCH_MEM) return scenario;
  return async (args) => {
    const prepared = await scenario(args);
    let sampler: MemorySampler | undefined;
    return {
      run: async () => {
        sampler = samplerFromEnv(process.env);
        const out = await prepared.run();
        sampler?.stop();
        return { objects: out.objects, extra: { ...out.extra, ...sampler?.figures() } };
      },
      close: () => {
        // After the timed part: reading the peak's mappings takes a while.
        const maps = sampler?.largestMappings();
        if (maps) process.stderr.write(`${maps}\n`);
        return prepared.close();
      },
    };
  };
}

await runScenarioMain('fs-child.ts', Object.fromEntries(Object.entries(SCENARIOS).map(([name, s]) => [name, sampled(s)])));
