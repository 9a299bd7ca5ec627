import { github } from 'projen';
import { addDeployWorkflow } from './deploy';
import { addKpisWorkflow } from './kpis';
import { addMaintenanceWorkflow } from './maintenance';
import { addPreviewsWorkflow } from './previews';
import { addPullRequestWorkflow } from './pull-request';

export { PINNED_ACTIONS, RUN_EMR_LABEL } from './steps';

/**
 * The project's GitHub workflows, one file each: `deploy` (push to main, dispatch), `kpis` (daily schedule,
 * dispatch), `pull-request` (checks, local end-to-end run, the opt-in run in the pull request's own
 * preview environment and its teardown) and `previews` (the scheduled sweep of previews) and `maintenance` (weekly table maintenance). See
 * docs/workflows.md.
 */

/** Adds the deploy, kpis, pull-request, previews and maintenance workflows (project.github must be enabled). */
export function addWorkflows(project: { readonly github?: github.GitHub }): void {
  const gh = project.github;
  if (!gh) throw new Error('The project has no GitHub component: enable `github` in .projenrc.ts.');
  addDeployWorkflow(gh);
  addKpisWorkflow(gh);
  addPullRequestWorkflow(gh);
  addPreviewsWorkflow(gh);
  addMaintenanceWorkflow(gh);
}
