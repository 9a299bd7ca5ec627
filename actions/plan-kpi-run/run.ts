import { compactDaysReaching } from '../../src/maintenance/options';
import { planKpiRun } from '../../src/pipeline/kpi-run-plan';
import { ActionIo } from '../lib/io';

const flag = (value: string, name: string) => {
  if (value !== 'true' && value !== 'false') throw new Error(`${name} must be "true" or "false", got "${value}".`);
  return value === 'true';
};

/** The plan-kpi-run action: check the run's settings, set them as outputs, or fail saying what to fix. */
export async function run(io: ActionIo, now: () => Date = () => new Date()): Promise<void> {
  try {
    const input = (name: string) => io.getInput(name).trim();
    const plan = planKpiRun({
      environment: input('environment'),
      fromDate: input('from-date'),
      toDate: input('to-date'),
      jobs: input('jobs'),
      replay: flag(input('replay') || 'false', 'replay'),
      allowProdReplay: flag(input('allow-prod-replay') || 'false', 'allow-prod-replay'),
    });
    io.setOutput('environment', plan.environment);
    io.setOutput('from-date', plan.window?.fromDate ?? '');
    io.setOutput('to-date', plan.window?.toDate ?? '');
    io.setOutput('jobs', plan.jobs.join(','));
    io.setOutput('tables', plan.tables.join(','));
    // A window is a backfill: the maintenance after it compacts back to its first day.
    io.setOutput('compact-days', plan.window ? String(compactDaysReaching(plan.window.fromDate, now())) : '');
    const line = `KPI run in ${plan.environment}: ${plan.jobs.join(', ')} over ${plan.days}${plan.replay ? ', after replaying generated events' : ''}.`;
    io.info(line);
    await io.writeSummary(`## KPI run plan\n\n${line}\n`);
  } catch (e) {
    io.setFailed((e as Error).message);
  }
}
