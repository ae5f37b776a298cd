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

  it('suggests the nearest known name only when it is near', () => {
    expect(closestFlag('backpu', ['backup', 'verify'])).toBe('backup');
    expect(closestFlag('restore', ['backup', 'restore-media'])).toBe('restore-media');
    expect(closestFlag('deploy', ['backup', 'verify'])).toBeUndefined();
  });
});
