import { EnvFileError } from './env-file';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of a `.env` file's bytes, which must be UTF-8 (pure). Anything else (a password saved in
 * Windows-1252 or Latin-1) is refused with an {@link EnvFileError} naming the file, the line, the byte's
 * column and the key on that line, never decoded into replacement characters: the value the database
 * would get is not the one the app uses. The bad bytes themselves are not shown (they may be a secret).
 */
export function decodeEnvBytes(bytes: Uint8Array, file: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    const { line, column, key } = locateInvalidUtf8(bytes);
    throw new EnvFileError(
      `${file} line ${line}${key ? ` (${key})` : ''}: byte ${column} is not valid UTF-8 (the file is in another encoding, such as Windows-1252): save it as UTF-8`,
      file,
      line,
    );
  }
}

/** Where the first byte sequence that is not UTF-8 is: 1-based line, 1-based byte column, and the line's key. */
export function locateInvalidUtf8(bytes: Uint8Array): { line: number; column: number; key?: string } {
  let start = 0;
  for (let line = 1; start <= bytes.length; line += 1) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    const text = bytes.subarray(start, end);
    try {
      strict.decode(text); // a newline is never part of a multi-byte sequence: lines decode alone
    } catch {
      const key = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=/.exec(Buffer.from(text).toString('latin1'))?.[1];
      return { line, column: firstInvalidOffset(text) + 1, ...(key ? { key } : {}) };
    }
    if (newline === -1) break;
    start = newline + 1;
  }
  return { line: 1, column: 1 };
}

// The offset of the first byte that starts no valid UTF-8 sequence: decode leniently and walk the text
// until a replacement character that the bytes do not hold literally (EF BF BD).
function firstInvalidOffset(bytes: Uint8Array): number {
  let offset = 0;
  for (const char of new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)) {
    const literal = bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd;
    if (char === '\uFFFD' && !literal) return offset;
    offset += Buffer.byteLength(char);
  }
  return offset;
}
