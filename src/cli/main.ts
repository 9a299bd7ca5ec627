import { buildProgram } from './program';

buildProgram()
  .parseAsync(process.argv)
  .catch((error: Error) => {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = process.exitCode || 1;
  });
