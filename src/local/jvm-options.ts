/**
 * How the embedded stack's JVMs (the warm Spark and Trino) compile: with C1 only, Java's quick
 * compiler (`-XX:TieredStopAtLevel=1`, a HotSpot option of Java 17 and 25).
 *
 * The stack's work is many small, different queries: Trino and Spark generate classes for each, and
 * C2, the optimizing compiler, spends its threads on code that runs for milliseconds, competing
 * with the work itself for two cores. Measured on 2026-12-07 on the two-core machine (`up`, then
 * three 5,000-event `run`s): the stack's CPU time fell from 210 s to 133 s (Trino 118 -> 76 s,
 * Spark 92 -> 57 s), `up` from 28 s to 19 s and the first run's kpis and validate from 25 + 39 s to
 * 18 + 20 s, while warm runs took as long as before (kpis 11-13 s, validate 10-12 s).
 */
export const STACK_JVM_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1'];
