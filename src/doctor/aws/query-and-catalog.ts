import { GetWorkGroupCommand } from '@aws-sdk/client-athena';
import { GetDatabaseCommand, PrincipalPermissions } from '@aws-sdk/client-glue';
import { DoctorCheck, failed, passed } from '../check';
import { AwsDoctorContext } from './context';
import { errorName, unexpected } from './errors';
import { ATHENA_ENGINE_VERSION } from '../../config/athena-workgroup';

/**
 * The workgroup exists, is enabled and runs Athena engine version 3, the dialect the validation
 * SQL is written in. Athena API Reference, "EngineVersion": the effective version is the one
 * queries run on (with AUTO, Athena's choice), so that is the one checked.
 */
export const athenaWorkgroupCheck: DoctorCheck<AwsDoctorContext> = {
  name: 'athena workgroup',
  needs: ['stacks'],
  async run(context) {
    const name = (await context.names()).names.athenaWorkgroup;
    let workgroup;
    try {
      workgroup = (await context.clients.athena.send(new GetWorkGroupCommand({ WorkGroup: name }))).WorkGroup;
    } catch (error) {
      // Athena API Reference, "GetWorkGroup", Errors: InvalidRequestException, e.g. for a workgroup that does not exist.
      if (errorName(error) === 'InvalidRequestException') {
        return failed(`workgroup ${name} was refused (${(error as Error).message}): deploy the query stack, or set ATHENA_WORKGROUP to an existing workgroup`);
      }
      return failed(unexpected(`athena:GetWorkGroup on ${name}`, error));
    }
    const engine = workgroup?.Configuration?.EngineVersion;
    if (workgroup?.State === 'DISABLED') return failed(`workgroup ${name} is disabled, and Athena runs no query in it: enable it (\`aws athena update-work-group --work-group ${name} --state ENABLED\`)`);
    if (engine?.EffectiveEngineVersion !== ATHENA_ENGINE_VERSION) {
      return failed(`workgroup ${name} runs ${engine?.EffectiveEngineVersion ?? 'an unknown engine'}${engine?.SelectedEngineVersion ? ` (selected: ${engine.SelectedEngineVersion})` : ''}, ` +
        `not ${ATHENA_ENGINE_VERSION}, which the validation SQL is written for: select it (\`aws athena update-work-group --work-group ${name} ` +
        `--configuration-updates 'EngineVersion={SelectedEngineVersion="${ATHENA_ENGINE_VERSION}"}'\`), or deploy the query stack again`);
    }
    return passed(`${name}: ${engine.EffectiveEngineVersion}${engine.SelectedEngineVersion !== engine.EffectiveEngineVersion ? ` (selected: ${engine.SelectedEngineVersion})` : ''}`);
  },
};

/** Lake Formation's name for every principal whose IAM policies grant access. */
const IAM_ALLOWED_PRINCIPALS = 'IAM_ALLOWED_PRINCIPALS';

/**
 * Lake Formation Developer Guide, "Changing the default settings for your data lake", and the
 * DataLakeSettings API (CreateTableDefaultPermissions): a grant of ALL to IAM_ALLOWED_PRINCIPALS
 * means "Use only IAM access control"; anything else means Lake Formation permissions govern new
 * tables. The database's own CreateTableDefaultPermissions decides it for the tables created in it.
 */
export function isIamOnly(permissions: readonly PrincipalPermissions[] | undefined): boolean {
  return (permissions ?? []).some((p) => p.Principal?.DataLakePrincipalIdentifier === IAM_ALLOWED_PRINCIPALS && (p.Permissions ?? []).includes('ALL'));
}

/**
 * The Glue database is in IAM-only mode, as the roles the CDK app grants assume: the KPI jobs
 * create their Iceberg tables there, and under Lake Formation permissions those tables would be
 * readable and writable only with Lake Formation grants that nothing here makes.
 */
export const lakeFormationCheck: DoctorCheck<AwsDoctorContext> = {
  name: 'lake formation',
  needs: ['stacks'],
  async run(context) {
    const name = (await context.names()).names.glueDatabase;
    let database;
    try {
      database = (await context.clients.glue.send(new GetDatabaseCommand({ Name: name }))).Database;
    } catch (error) {
      // Glue API Reference, "GetDatabase", Errors: EntityNotFoundException for a database that does not exist.
      if (errorName(error) === 'EntityNotFoundException') return failed(`Glue database ${name} does not exist: deploy the catalog stack, or set GLUE_DATABASE to the database the stacks created`);
      return failed(unexpected(`glue:GetDatabase on ${name}`, error));
    }
    if (!isIamOnly(database?.CreateTableDefaultPermissions)) {
      return failed(`Glue database ${name} leaves new tables to Lake Formation permissions (no ALL for ${IAM_ALLOWED_PRINCIPALS} in its default permissions), ` +
        'and the KPI jobs\' roles have IAM permissions only: in the Lake Formation console edit the database and check ' +
        '"Use only IAM access control for new tables in this database", or grant the run and EMR instance roles Lake Formation permissions on it');
    }
    return passed(`${name}: IAM-only (new tables grant ALL to ${IAM_ALLOWED_PRINCIPALS}), as the roles expect`);
  },
};
