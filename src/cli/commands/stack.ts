import { Command } from 'commander';
export function registerStackCommands(_program: Command): void {}
