// Per-process CPU accounting for benchmarks: user + system time from /proc/<pid>/stat
// (fields 14 and 15, in clock ticks of 10 ms on Linux), so a phase can say how many µs of CPU
// each process spent per event. The machine is shared: load average alone says nothing about
// where one benchmark's time went.
import { readFileSync } from 'node:fs';

const TICK_US = 10_000; // sysconf(_SC_CLK_TCK) = 100 on Linux

/** CPU time of a process so far, in µs; 0 when it is gone. */
export function cpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return 0;
  }
}

/**
 * A snapshot of CPU time per group of processes; `groups` maps a name to a function that
 * returns the current pids of that group (backends come and go, so they are listed each time).
 * `since(before)` gives µs per group; a process that appeared in between counts from zero, one
 * that went away in between is lost (the bench keeps its connections open during a phase).
 */
export async function cpuSnapshot(groups) {
  const out = {};
  for (const [name, pids] of Object.entries(groups)) {
    out[name] = new Map((await pids()).map((pid) => [pid, cpuMicros(pid)]));
  }
  return out;
}

export function cpuSince(before, after) {
  const out = {};
  for (const [name, now] of Object.entries(after)) {
    let us = 0;
    for (const [pid, t] of now) us += t - (before[name]?.get(pid) ?? 0);
    out[name] = us;
  }
  return out;
}
