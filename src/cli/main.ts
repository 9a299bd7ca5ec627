import { interrupts } from './interrupts';
import { buildProgram } from './program';

// package-lock.json pins AWS SDK releases that support Node 20; the SDK's notice about its
// future Node 22 requirement would otherwise interleave with every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interrupts.install();
buildProgram()
  .parseAsync(process.argv)
  .catch((error: Error) => {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = process.exitCode || 1;
  })
  .finally(async () => {
    // After Ctrl-C: nothing the command started outlives it, and the exit code says it was stopped.
    await interrupts.settle();
    interrupts.uninstall();
    process.exitCode = interrupts.exitCode ?? process.exitCode;
  });
