// Load generation for `npm run bench`: a bounded block of requests over keep-alive connections from this process
// (loopback only), with the server's whole-process CPU read from /proc before and after the block.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** User + system CPU of a process so far, in milliseconds (/proc/<pid>/stat fields 14 and 15). */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Resident memory of a process in MiB. */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

/** User + system CPU of several processes (a server and its store), in milliseconds. */
const cpuOf = (pids) => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);

/**
 * Runs operations for `maxMs` (or until `count` have run, when given) with `concurrency` in flight.
 * `operation(i, lane)` performs one flow (one or more requests) and throws on a wrong answer. Returns rates,
 * latencies and the CPU of the processes `pids` per operation.
 */
export async function runBlock({ pids, count = Infinity, concurrency, maxMs, operation }) {
  const latencies = [];
  let next = 0;
  let errors = 0;
  let firstError;
  const deadline = performance.now() + maxMs;
  const cpuBefore = cpuOf(pids);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      while (next < count && performance.now() < deadline) {
        const i = next++;
        const t = performance.now();
        try {
          await operation(i, lane);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuOf(pids) - cpuBefore;
  latencies.sort((a, b) => a - b);
  const done = latencies.length;
  return {
    operations: done,
    errors,
    firstError,
    seconds,
    perSecond: done / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMsPerOp: done > 0 ? cpu / done : 0,
  };
}
