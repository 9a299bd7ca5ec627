#!/usr/bin/env node
// Runs the TypeScript command line without a build step.
require('tsx/cjs');
require('./main.ts');
