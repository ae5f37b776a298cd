import { describe, expect, it } from 'vitest';
import { measureRunsPerNight } from '../../fakes/measure-sync';

describe('runs per night (the benchmark hook)', () => {
  it('drops from apps x servers with the tag target to one invocation per app with placement', async () => {
    const night = await measureRunsPerNight({ apps: 500, servers: 10 });
    expect(night).toEqual({
      apps: 500,
      servers: 10,
      schedules: 500,
      invocationsByTag: 5000,
      invocationsByPlacement: 500,
      maxPerSchedule: 1,
    });
  });
});
