import { Command } from 'commander';
export function registerSmokeCommand(_program: Command): void {}
