import { spawn } from 'node:child_process';

export interface RunCommandOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Receives each output line (progress); output is also kept for the error message. */
  readonly onLine?: (line: string) => void;
}

/**
 * Runs a command to completion; rejects with the command line and the output's tail when it
 * exits non-zero.
 */
export async function runCommand(command: string, args: readonly string[], options: RunCommandOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 2000) lines.shift();
        options.onLine?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => reject(new Error(`Cannot run ${command}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (partial) lines.push(partial);
      if (code === 0) {
        resolve(lines.join('\n'));
      } else {
        const tail = lines.slice(-25).join('\n');
        reject(new Error(`\`${[command, ...args].join(' ')}\` failed (${signal ?? `exit ${code}`}):\n${tail}`));
      }
    });
  });
}
