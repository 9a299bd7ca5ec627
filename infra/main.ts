import { App } from 'aws-cdk-lib';
import { addClickstreamStacks } from './app';
import { environmentConfig } from './config/environments';
import { localPaths } from '../src/local/paths';

const app = new App();
addClickstreamStacks(app, { config: environmentConfig(app.node), sparkDir: localPaths().spark });
app.synth();
