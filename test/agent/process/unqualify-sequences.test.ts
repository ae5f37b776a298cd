import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { UnqualifySequenceDefaults } from '../../../agent/process/unqualify-sequences';

async function rewrite(database: string, input: Buffer, chunkSize = input.length || 1): Promise<Buffer> {
  const chunks = Array.from({ length: Math.ceil(input.length / chunkSize) }, (_, index) =>
    input.subarray(index * chunkSize, (index + 1) * chunkSize),
  );
  return buffer(Readable.from(chunks).pipe(new UnqualifySequenceDefaults(database)));
}

const DUMP = [
  '-- MariaDB dump',
  'CREATE TABLE `orders` (',
  '  `id` bigint(20) NOT NULL DEFAULT nextval(`shöp``x`.`order_ids`),',
  '  `last` bigint(20) DEFAULT lastval(`shöp``x`.`order_ids`),',
  '  `other` bigint(20) DEFAULT nextval(`elsewhere`.`ids`),',
  "  `note` varchar(80) DEFAULT 'x',",
  '  PRIMARY KEY (`id`)',
  ') ENGINE=InnoDB;',
  "INSERT INTO `orders` VALUES (1,1,1,' DEFAULT nextval(`shöp``x`.`order_ids`)'),",
  "(2,2,2,'\\xff');",
  '-- Dump completed',
].join('\n');

const EXPECTED = DUMP.replace('DEFAULT nextval(`shöp``x`.`order_ids`),', 'DEFAULT nextval(`order_ids`),').replace(
  'DEFAULT lastval(`shöp``x`.`order_ids`),',
  'DEFAULT lastval(`order_ids`),',
);

describe('UnqualifySequenceDefaults', () => {
  it("drops the dump's own database from sequence defaults in CREATE TABLE, and nothing else", async () => {
    const out = (await rewrite('shöp`x', Buffer.from(DUMP, 'utf8'))).toString('utf8');
    expect(out).toBe(EXPECTED);
    expect(out).toContain('nextval(`elsewhere`.`ids`)'); // another database's sequence keeps its name
    expect(out).toContain("(1,1,1,' DEFAULT nextval(`shöp``x`.`order_ids`)')"); // row data is never touched
  });

  it('gives the same bytes however the input is cut into chunks', async () => {
    const input = Buffer.concat([Buffer.from(DUMP, 'utf8'), Buffer.from([0xff, 0x00, 0x0a, 0xc3])]);
    const whole = await rewrite('shöp`x', input);
    for (const size of [1, 2, 3, 7, 64]) expect((await rewrite('shöp`x', input, size)).equals(whole)).toBe(true);
  });

  it('passes a row longer than it holds (a big blob on one line) through unchanged, in any chunking', async () => {
    const blob = `INSERT INTO \`b\` VALUES (1,'${'x'.repeat(300_000)} DEFAULT nextval(\`shop\`.\`s\`)');\n`;
    const input = Buffer.from(`${DUMP.replace(/shöp``x/g, 'shop')}\n${blob}${DUMP.replace(/shöp``x/g, 'shop')}\n`);
    const whole = await rewrite('shop', input);
    expect(whole.toString()).toContain(blob);
    expect(whole.toString().match(/DEFAULT nextval\(`order_ids`\)/g)).toHaveLength(2);
    for (const size of [1000, 65_536, 100_000]) expect((await rewrite('shop', input, size)).equals(whole)).toBe(true);
  });

  it('passes a dump without sequence defaults through byte for byte', async () => {
    const input = Buffer.from('CREATE TABLE `t` (\n  `a` int\n) ENGINE=InnoDB;\nINSERT INTO `t` VALUES (1);\n');
    expect((await rewrite('shop', input)).equals(input)).toBe(true);
  });
});
