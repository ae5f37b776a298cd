import { describe, expect, it } from 'vitest';
import { parseAdminUrls } from '../../../agent/config/drill-config';

describe('BACKOPPER_DRILL_ADMIN_URL: one admin URL per engine', () => {
  it.each([
    [undefined, {}],
    ['', {}],
    ['mysql://drill:pw@localhost/', { mysql: 'mysql://drill:pw@localhost/' }],
    ['mariadb://root@db/', { mysql: 'mariadb://root@db/' }],
    ['  postgres://p@h/  mysql://m@h/ ', { mysql: 'mysql://m@h/', postgres: 'postgres://p@h/' }],
    ['pgsql://p@h/', { postgres: 'pgsql://p@h/' }],
  ])('reads %j', (value, urls) => {
    expect(parseAdminUrls(value)).toEqual(urls);
  });

  it.each([
    ['http://s3cr3t@h/', 'BACKOPPER_DRILL_ADMIN_URL (--drill-admin-url): URL 1 is not a mysql:// or postgres:// URL'],
    [
      'mysql://a@h/ s3cr3t',
      'BACKOPPER_DRILL_ADMIN_URL (--drill-admin-url): URL 2 is not a mysql:// or postgres:// URL',
    ],
    ['mysql://a:s3cr3t@h/ mariadb://b@h/', 'names two mysql URLs: give at most one per engine'],
    [
      'constructor://s3cr3t@h/',
      'BACKOPPER_DRILL_ADMIN_URL (--drill-admin-url): URL 1 is not a mysql:// or postgres:// URL',
    ],
  ])('refuses %j without echoing it', (value, message) => {
    expect(() => parseAdminUrls(value)).toThrow(message);
    try {
      parseAdminUrls(value);
    } catch (error) {
      expect(String(error)).not.toContain('s3cr3t');
    }
  });
});
