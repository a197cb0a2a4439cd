// Shared helpers for benchmark scripts: rounds, medians and a printed table with the machine's facts.
import { availableParallelism, cpus, totalmem } from 'node:os';

/** One timed round: how many operations ran and how long they took. */
export interface Round {
  ops: number;
  ms: number;
}

/** Runs `fn` `warmup` times untimed, then `rounds` times timed; `fn` returns the number of operations it did. */
export async function measure(fn: () => number | Promise<number>, rounds = 5, warmup = 1): Promise<Round[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const result: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    const ops = await fn();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    result.push({ ops, ms });
  }
  return result;
}

/** Median of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median operations per second over rounds. */
export function medianRate(rounds: readonly Round[]): number {
  return median(rounds.map((r) => (r.ops * 1000) / r.ms));
}

/** Formats a rate with thousands separators. */
export function formatRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US');
}

/** Prints the machine facts every benchmark quotes. */
export function printMachine(title: string): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`# ${title}`);
  console.log(`machine: ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);
}

/** Prints rows as a fixed-width table. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}
