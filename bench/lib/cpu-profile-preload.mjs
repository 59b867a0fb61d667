// A V8 CPU profile of a service a bench spawns, for processes started through NODE_OPTIONS (Node
// 20 refuses --cpu-prof there, and spawnService's SIGKILL would lose it anyway):
//   NODE_OPTIONS="--import ./bench/lib/cpu-profile-preload.mjs" CPU_PROFILE_MS=14000 ...
// writes /tmp/<pid>.cpuprofile (or CPU_PROFILE_DIR) CPU_PROFILE_MS after the process starts.
import inspector from 'node:inspector';
import fs from 'node:fs';
import path from 'node:path';

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable', () => session.post('Profiler.start'));
setTimeout(
  () =>
    session.post('Profiler.stop', (err, result) => {
      if (err) return console.error(`cpu profile: ${err.message}`);
      const file = path.join(process.env.CPU_PROFILE_DIR ?? '/tmp', `${process.pid}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(result.profile));
    }),
  Number(process.env.CPU_PROFILE_MS ?? 15000),
).unref();
