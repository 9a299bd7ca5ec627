/**
 * How long the embedded stack is meant to live, which decides how its JVMs (the warm Spark and
 * Trino) compile: a stack that a `run` starts and stops serves one run; one that `up` starts (or a
 * run that keeps it) serves many.
 */
export type StackLifetime = 'one-run' | 'lasting';

/**
 * The JVM options of the stack's Spark and Trino for its lifetime: C1 only, Java's quick compiler
 * (`-XX:TieredStopAtLevel=1`, a HotSpot option of Java 17 and 25), for a stack that serves one run;
 * the default tiered compilation (C1, then C2 for hot code) for a lasting one.
 *
 * Both engines generate classes for every query, and C2 spends its compile threads on them, competing
 * with the work for the two cores; it pays off only once the same code runs again and again. Measured
 * on 2026-12-07 on the two-core machine:
 * - one run on a new stack (`up`, then a 5,000-event `run`): C1 only took `up` from 28 s to 19 s and
 *   the run's kpis and validate from 25 + 39 s to 18 + 20 s; over `up` and three runs the stack's CPU
 *   time fell from 210 s to 133 s;
 * - many runs on one stack (the suite's incremental-runs, kpi-jobs and validation files, one after
 *   another on a shared stack): C1 only took 319 s against 288 s with C2, the files after the first
 *   slower by 40-75 % (kpi-jobs 68 -> 97 s, validation 60 -> 106 s).
 */
export function stackJvmOptions(lifetime: StackLifetime): readonly string[] {
  return lifetime === 'one-run' ? ['-XX:TieredStopAtLevel=1'] : [];
}
