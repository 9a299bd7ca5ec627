import { InterruptHandler } from '../local/interrupts';

/**
 * The command line's Ctrl-C handling (main.ts installs it). Commands that stop gracefully pass
 * `interrupts.signal(...)` down; every process a command starts in its own group is stopped either way.
 */
export const interrupts = new InterruptHandler();
