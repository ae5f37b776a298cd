import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

const SCRIPT = join(root, 'test', 'fixtures', 'run-sync-handler.ts');

describe('the Lambdas log through Powertools', () => {
  it('writes JSON lines with level, timestamp, service, request id and the cold-start flag', async () => {
    const { stdout, stderr } = await promisify(execFile)(tsx, [SCRIPT], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_REGION: 'eu-west-1',
      },
    });
    // Powertools writes warnings and errors to stderr; Lambda sends both streams to the log group.
    expect(stdout).toBe('');
    const records = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      level: 'ERROR',
      message: 'invalid configuration: nothing was read or changed',
      service: 'backopper-sync',
      function_request_id: 'req-1',
      function_name: 'Backopper-Sync',
      cold_start: true,
      error: expect.stringContaining('BACKOPPER_SCHEDULE_ROLE_ARN: is required'),
    });
    expect(Date.parse(String(records[0]?.timestamp))).not.toBeNaN();
    expect(records[1]).toMatchObject({ level: 'ERROR', function_request_id: 'req-2', cold_start: false });
  });

  it('drops lines below POWERTOOLS_LOG_LEVEL', async () => {
    const { stdout, stderr } = await promisify(execFile)(tsx, [SCRIPT], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        POWERTOOLS_LOG_LEVEL: 'CRITICAL',
        AWS_REGION: 'eu-west-1',
      },
    });
    expect(
      stdout +
        stderr
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .join(''),
    ).toBe('');
  });
});
