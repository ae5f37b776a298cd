import { describe, expect, it } from 'vitest';
import { closestFlag, parseFlags } from '../../../agent/config/parse-flags';

const types = { app: 'string', 'dry-run': 'boolean', 'media-host': 'string' } as const;

describe('parseFlags', () => {
  it.each([
    [['--app', 'shop', '--dry-run'], { app: 'shop', 'dry-run': true }, []],
    [['--app=shop', '--app', 'shop', '--dry-run', '--dry-run'], { app: 'shop', 'dry-run': true }, []],
    [['--app=shop', '--app', 'blog'], { app: 'blog' }, ['--app is given twice, with different values']],
    [['--app=--odd'], { app: '--odd' }, []],
    [['--app', '--dry-run'], { 'dry-run': true }, ['--app needs a value']],
    [['--app'], {}, ['--app needs a value']],
    [
      ['--app', '--s3cr3t-value', '--dry-run'],
      { 'dry-run': true },
      [
        '--app needs a value: the next argument starts with -- and is not a flag (write --app=VALUE for a value that starts with --)',
      ],
    ],
    [['--dry-run=yes'], {}, ['--dry-run is a switch and takes no value (got "yes")']],
    [['--media-hots', 'm', '--app', 'a'], { app: 'a' }, ['unknown flag --media-hots (did you mean --media-host?)']],
    [['--zzz'], {}, ['unknown flag --zzz']],
    [
      ['shop', '-x', '--'],
      {},
      [
        'unexpected argument "shop" (every input is a --flag)',
        'unexpected argument "-x" (every input is a --flag)',
        'unexpected argument "--" (every input is a --flag)',
      ],
    ],
  ])('reads %j', (argv, values, problems) => {
    expect(parseFlags(argv, types)).toEqual({ values, problems });
  });

  it('never echoes a value that starts with -- given after a flag (it may be a secret)', () => {
    const { problems } = parseFlags(['--media-host', '--hunter2', '--app', 'a'], types);
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problems).toHaveLength(1);
  });

  it('suggests the nearest known name only when it is near', () => {
    expect(closestFlag('backpu', ['backup', 'verify'])).toBe('backup');
    expect(closestFlag('restore', ['backup', 'restore-media'])).toBe('restore-media');
    expect(closestFlag('deploy', ['backup', 'verify'])).toBeUndefined();
  });
});
