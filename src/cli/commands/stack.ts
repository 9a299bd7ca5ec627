import { Command } from 'commander';
import { formatTable } from '../../format/tables';
import { localPaths } from '../../local/paths';
import { stackDown, stackStatus } from '../../local/stack';
import { targetFor } from '../../targets/targets';
import { interrupts } from '../interrupts';
import { commandOutput } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

export function registerStackCommands(program: Command): void {
  addTargetOptions(program
    .command('up')
    .description('Start the embedded stack (AWS emulator for Kinesis/S3/Glue, Trino) on free loopback ports and create the pipeline resources of ' +
      'the environment (local by default; any number of environments share one stack, each with its own stream, buckets and database). ' +
      'Reuses a healthy stack.'), { target: 'the embedded stack only', environment: 'whose stream, buckets and Glue database to create' })
    .option('--json', 'print the summary as one JSON object', false)
    .action(async (options: TargetCliOptions & { json: boolean }) => {
      const out = commandOutput(options.json);
      const config = configFromOptions(options);
      const signal = interrupts.signal({ stopping: 'stopping the services this command started' });
      const result = await targetFor(config.target).startStack({ config, log: out.progress, signal });
      out.summary(result, () => [
        result.reused ? 'Stack already running; reused it.' : `Stack started in ${result.seconds} s.`,
        `  AWS emulator (Kinesis, S3, Glue): ${result.endpoints.aws}`,
        `  Trino:                             ${result.endpoints.trino}`,
        `  Spark (runs the jobs, warm):       ${result.endpoints.spark}`,
        'Stop it with `npx clickstream down`.',
      ].join('\n'));
    });

  program
    .command('status')
    .description('Show whether the embedded stack is running, with endpoints, pids and log files.')
    .option('--json', 'print the summary as one JSON object', false)
    .action(async (options: { json: boolean }) => {
      const out = commandOutput(options.json);
      const status = await stackStatus({ paths: localPaths() });
      out.summary(status, () => [
        formatTable(['service', 'health', 'pid', 'endpoint', 'log'], status.services.map((s) => [s.name, s.health, s.pid, s.endpoint, s.logFile])),
        status.running ? `Running since ${status.startedAt}.` : 'Not running: start it with `npx clickstream up`.',
      ].join('\n'));
    });

  program
    .command('down')
    .description('Stop exactly the processes `up` started and forget the stack. Data in the emulator is not kept. A recorded pid that now belongs to another ' +
      'process (the service died and the system reused its pid) is left alone, and `down` says so.')
    .option('--json', 'print the summary as one JSON object', false)
    .action(async (options: { json: boolean }) => {
      const out = commandOutput(options.json);
      const result = await stackDown({ paths: localPaths(), log: out.progress });
      out.summary(result, () => [
        result.stopped.length > 0 ? `Stopped ${result.stopped.map((s) => `${s.name} (pid ${s.pid})`).join(', ')}.` : 'Nothing was running.',
        ...result.notOurs.map((s) => `Left pid ${s.pid} alone: it is no longer the ${s.name} \`up\` started, but \`${s.command}\`.`),
      ].join('\n'));
    });
}
