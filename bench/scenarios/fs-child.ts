/**
 * @module bench/scenarios/fs-child: the process entry of the volume-data scenarios (`node fs-child.ts <name>
 * <json-args>`), like bench/scenario.ts but importing only the repository code, so that its peak RSS is the
 * engine's and not the Kubernetes server's modules. Prints one ScenarioResult JSON line; figures counted
 * after the timed part (objects and bytes written) are merged into `extra`.
 */
import { maxRssMB, type ScenarioResult } from '../scenario-context.ts';
import { fsBackup, fsFloorCopy, fsFloorRead, fsRestore, type FsArgs, type Prepared } from './fs.ts';
import { fsMicro } from './fs-micro.ts';

const SCENARIOS: Record<string, (args: FsArgs) => Promise<Prepared>> = {
  'fs-backup': fsBackup,
  'fs-restore': fsRestore,
  'fs-floor-read': fsFloorRead,
  'fs-floor-copy': fsFloorCopy,
  'fs-micro': fsMicro,
};

const [name, json] = process.argv.slice(2);
const scenario = SCENARIOS[name ?? ''];
if (!scenario || !json) {
  process.stderr.write(`usage: fs-child.ts <${Object.keys(SCENARIOS).join('|')}> <json-args>\n`);
  process.exit(2);
}
const prepared = await scenario(JSON.parse(json) as FsArgs);
const started = performance.now();
const cpu = process.cpuUsage();
const out = await prepared.run();
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
const after = await prepared.close();
const result: ScenarioResult = { objects: out.objects, seconds, cpuSeconds: Math.round((used.user + used.system) / 1e4) / 100, maxRssMB: maxRssMB(), extra: { ...out.extra, ...after } };
process.stdout.write(`${JSON.stringify(result)}\n`);
