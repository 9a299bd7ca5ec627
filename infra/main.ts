import { App } from 'aws-cdk-lib';
import { addClickstreamStacks, addPreviewCiStack } from './app';
import { environmentConfig, previewRolesConfig } from './config/environments';
import { PREVIEW_ROLES_ENVIRONMENT } from '../src/config/names';
import { localPaths } from '../src/local/paths';

const app = new App();
if (app.node.tryGetContext('environment') === PREVIEW_ROLES_ENVIRONMENT) {
  addPreviewCiStack(app, { config: previewRolesConfig(app.node) });
} else {
  addClickstreamStacks(app, { config: environmentConfig(app.node), sparkDir: localPaths().spark });
}
app.synth();
