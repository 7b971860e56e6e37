import type { ChildProcess } from 'node:child_process';
import { type PerformanceEntry, PerformanceObserver, constants } from 'node:perf_hooks';

/** Garbage collections of one process over a span: young-generation (scavenge) and old-generation (mark-compact). */
export interface GcStats {
  scavenges: number;
  scavengeMs: number;
  majors: number;
  majorMs: number;
  /** the longest single pause, ms */
  maxPauseMs: number;
}

const empty = (): GcStats => ({ scavenges: 0, scavengeMs: 0, majors: 0, majorMs: 0, maxPauseMs: 0 });

/**
 * In a bench's app process: counts this process's collections (Node's `gc` performance entries) and, on
 * SIGUSR2, prints them since the last SIGUSR2 as one `GC {json}` line on stdout (see `readGcStats`).
 */
export function reportGcOnSignal(): void {
  let stats = empty();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { kind } = (entry as PerformanceEntry & { detail: { kind: number } }).detail;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        stats.scavenges++;
        stats.scavengeMs += entry.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        stats.majors++;
        stats.majorMs += entry.duration;
      } else continue; // incremental-marking steps and weak callbacks run beside the program, not as its pauses
      stats.maxPauseMs = Math.max(stats.maxPauseMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('SIGUSR2', () => {
    process.stdout.write(`GC ${JSON.stringify(stats)}\n`);
    stats = empty();
  });
}

/** In the bench: the collections of an app process started with `reportGcOnSignal` since the last call. */
export function readGcStats(child: ChildProcess): Promise<GcStats> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const line = /GC (\{[^\n]*\})\n/.exec(text);
      if (!line) return;
      child.stdout!.off('data', onData);
      resolve(JSON.parse(line[1]) as GcStats);
    };
    child.stdout!.on('data', onData);
    child.kill('SIGUSR2');
  });
}
