/** The pure parts of the CLI's conventions: suggestions, colour, the help layout, parse errors, durations, ETA, waiting. */
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { translateParseError } from '../../ops/commands/parse-error';
import { estimateSeconds, renderProgress } from '../../ops/recovery/progress';
import { createWaitReporter, describeWait } from '../../ops/run/wait-progress';
import { createPalette, shouldColour, stripColour } from '../../ops/terminal/colour';
import { formatDuration } from '../../ops/terminal/duration';
import { renderHelp } from '../../ops/terminal/help';
import { didYouMean, editDistance, suggest } from '../../ops/terminal/suggest';

describe('edit distance and suggestions', () => {
  it.each([
    ['status', 'status', 0],
    ['stauts', 'status', 1], // a swap of neighbours is one edit
    ['stats', 'status', 1],
    ['restor', 'restore', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ])('%j to %j is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });

  it.each([
    ['stauts', ['plan', 'sync', 'status', 'run', 'logs', 'backups', 'restore'], ['status']],
    ['backup', ['plan', 'sync', 'status', 'run', 'logs', 'backups', 'restore'], ['backups']],
    ['--jsno', ['--json', '--bucket', '--runs'], ['--json']],
    ['--enviroment', ['--environment', '--json'], ['--environment']],
    ['shpo', ['shop', 'blog', 'crm'], ['shop']],
    ['SHOP', ['shop', 'blog'], ['shop']], // case is ignored
    ['blog-', ['blog-nl', 'blog-de', 'shop'], ['blog-de', 'blog-nl']], // a prefix of several
    ['frobnicate', ['plan', 'sync', 'status'], []], // nothing close: no suggestion beats a wrong one
    ['x', ['y', 'z'], ['y', 'z']], // one character: one edit allowed
    ['ab', ['ab'], []], // the name itself is not a suggestion
  ])('%j suggests %j', (input, known, expected) => {
    expect(suggest(input, known)).toEqual(expected);
  });

  it('phrases one or several suggestions, and nothing when none is close', () => {
    expect(didYouMean('shpo', ['shop', 'blog'])).toBe(' (did you mean shop?)');
    expect(didYouMean('blog-', ['blog-nl', 'blog-de'])).toBe(' (did you mean blog-de or blog-nl?)');
    expect(didYouMean('zzzzzz', ['shop'])).toBe('');
  });
});

describe('colour', () => {
  it.each([
    [{}, true, false, true],
    [{}, false, false, false], // piped
    [{ NO_COLOR: '1' }, true, false, false],
    [{ NO_COLOR: '' }, true, false, true], // NO_COLOR counts only when not empty
    [{ TERM: 'dumb' }, true, false, false],
    [{}, true, true, false], // --no-color
    [{ FORCE_COLOR: '1' }, false, false, true],
    [{ FORCE_COLOR: '' }, false, false, true],
    [{ FORCE_COLOR: '0' }, true, false, false],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, false, false, true], // Node's rule: FORCE_COLOR wins
    [{ FORCE_COLOR: '1' }, true, true, false], // the flag wins over everything
  ])('env %j, terminal %s, --no-color %s: colour %s', (env, isTTY, noColorFlag, expected) => {
    expect(shouldColour({ env, isTTY, noColorFlag })).toBe(expected);
  });

  it('a palette that is off leaves text alone; one that is on wraps it in escapes that strip back', () => {
    expect(createPalette(false).red('x')).toBe('x');
    expect(createPalette(true).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(stripColour(createPalette(true).bold(createPalette(true).green('ok')))).toBe('ok');
  });
});

describe('the help layout', () => {
  it('has usage, description, flags with --help, notes, examples and exit status, in that order', () => {
    const text = renderHelp('demo', {
      usage: ['<environment> <app> [--json]', '<environment> --all'],
      description: ['Does the demo.'],
      flags: [
        ['--json', 'print JSON'],
        ['--a-very-long-flag-name-indeed <value>', 'long\nover two lines'],
      ],
      examples: [['backopper demo live shop', 'the demo of shop']],
      exit: '0 ok, 3 no such app',
      notes: ['Configuration: none.'],
    });
    expect(text.split('\n')).toEqual([
      'usage: backopper demo <environment> <app> [--json]',
      '       backopper demo <environment> --all',
      '',
      'Does the demo.',
      '',
      'flags:',
      '  --json                              print JSON',
      '  --a-very-long-flag-name-indeed <value>',
      '                                      long',
      '                                      over two lines',
      '  -h, --help                          show this help',
      '',
      'Configuration: none.',
      '',
      'examples:',
      '  backopper demo live shop  # the demo of shop',
      '',
      'exit status: 0 ok, 3 no such app (docs/operator-cli.md#exit-status)',
    ]);
  });
});

describe("parseArgs' errors, in our words", () => {
  const options = {
    environment: { type: 'string', short: 'e' },
    json: { type: 'boolean' },
    at: { type: 'string' },
  } as const;
  const fail = (args: string[], allowPositionals = false) => {
    try {
      parseArgs({ args, options, allowPositionals, strict: true });
    } catch (error) {
      return translateParseError(error, options);
    }
    throw new Error(`${args.join(' ')} parsed`);
  };

  it.each([
    [['--jsno'], 'unknown flag --jsno (did you mean --json?)'],
    [['--hlep'], 'unknown flag --hlep (did you mean --help?)'],
    [['--force'], 'unknown flag --force; this command takes --at, --environment, --json, --help, --no-color'],
    [['-x'], 'unknown flag -x; this command takes --at, --environment, --json, --help, --no-color'],
    [['--at'], '--at needs a value (--at <value>)'],
    [['-e'], '--environment needs a value (--environment <value>)'],
    [['--json=yes'], '--json is a switch and takes no value'],
    [
      ['--at', '-3d'],
      '--at needs a value, and the next argument is a flag (write --at=<value> for a value that starts with -)',
    ],
    [['live'], 'unexpected argument "live": this command takes only flags'],
  ])('%j: %s', (args, line) => {
    expect(fail(args)).toBe(line);
  });
});

describe('durations and the ETA of the progress bar', () => {
  it.each([
    [0, '0s'],
    [0.4, '0s'],
    [59, '59s'],
    [60, '1m00s'],
    [125, '2m05s'],
    [3599, '59m59s'],
    [3600, '1h00m'],
    [3725, '1h02m'],
    [86_400 + 3 * 3600, '1d03h'],
    [-5, '0s'],
  ])('%d s is %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([
    [0, 100, 5000, undefined], // nothing done: no rate yet
    [10, 100, 500, undefined], // under a second: the first chunk is no rate
    [25, 100, 10_000, 30], // a quarter in 10 s: 30 s left
    [50, 100, 1000, 1],
    [100, 100, 9000, undefined], // done: no ETA
    [120, 100, 9000, undefined], // more than announced: no negative ETA
  ])('%d of %d after %d ms: ETA %s s', (done, total, elapsed, eta) => {
    expect(estimateSeconds(done, total, elapsed)).toBe(eta);
  });

  it('shows the ETA on the bar only once there is a rate', () => {
    const MiB = 1024 * 1024;
    expect(renderProgress(0, 100 * MiB, 200, 10)).toBe('[..........]   0%  0 B of 100.0 MiB  0 B/s');
    expect(renderProgress(25 * MiB, 100 * MiB, 10_000, 10)).toBe(
      '[###.......]  25%  25.0 MiB of 100.0 MiB  2.5 MiB/s  ETA 30s',
    );
    expect(renderProgress(100 * MiB, 100 * MiB, 40_000, 10)).toBe(
      '[##########] 100%  100.0 MiB of 100.0 MiB  2.5 MiB/s',
    );
  });
});

describe('what run prints while it waits', () => {
  it('describes the status, the time waited and each server (at most four named)', () => {
    expect(describeWait({ status: 'Pending', elapsedMs: 4000, instances: [] })).toBe('waiting: Pending for 4s');
    expect(
      describeWait({
        status: 'InProgress',
        elapsedMs: 95_000,
        instances: ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ instanceId: `i-${id}`, status: 'InProgress' })),
      }),
    ).toBe('waiting: InProgress for 1m35s (i-a InProgress, i-b InProgress, i-c InProgress, i-d InProgress, 2 more)');
  });

  it('off a terminal: a line per status change and a waiting line every 30 s, nothing in between', () => {
    let clock = 0;
    const lines: string[] = [];
    const reporter = createWaitReporter({ live: false, line: (l) => lines.push(l), write: () => {}, now: () => clock });
    const snapshot = () => ({ status: 'InProgress', elapsedMs: clock, instances: [] });
    reporter.say('status: InProgress');
    for (clock = 5000; clock <= 65_000; clock += 5000) if (reporter.due()) reporter.show(snapshot());
    expect(lines).toEqual(['status: InProgress', 'waiting: InProgress for 30s', 'waiting: InProgress for 1m00s']);
  });

  it('on a terminal: one line redrawn in place, cleared before a line that stays', () => {
    let clock = 0;
    const lines: string[] = [];
    let written = '';
    const reporter = createWaitReporter({
      live: true,
      line: (l) => lines.push(l),
      write: (text) => (written += text),
      now: () => clock,
    });
    for (clock = 5000; clock <= 10_000; clock += 5000) {
      expect(reporter.due()).toBe(true);
      reporter.show({ status: 'InProgress', elapsedMs: clock, instances: [] });
    }
    reporter.say('status: Success');
    reporter.finish();
    expect(written).toBe(
      '\rwaiting: InProgress for 5s\u001b[K\rwaiting: InProgress for 10s\u001b[K\r\u001b[K', // cleared once
    );
    expect(lines).toEqual(['status: Success']);
  });

  it('on a narrow terminal, cuts the live line to fit so \\r redraws it instead of wrapping', () => {
    let written = '';
    const narrow = createWaitReporter({
      live: true,
      line: () => {},
      write: (t) => (written = t),
      now: () => 0,
      columns: 20,
    });
    narrow.show({
      status: 'InProgress',
      elapsedMs: 95_000,
      instances: [{ instanceId: 'i-web1', status: 'InProgress' }],
    });
    expect(written).toBe('\rwaiting: InProgres…\u001b[K');
  });
});
