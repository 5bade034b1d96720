// Reading input: bytes must be UTF-8. Node would replace invalid bytes with U+FFFD without a word,
// and the function would then write altered text back.
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { InputError } from '../krm/read.js';

/**
 * The text of UTF-8 bytes without a leading byte order mark, as a fatal TextDecoder gives it (which costs a few milliseconds to set up).
 */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  if (!isUtf8(bytes)) throw new InputError(`${what} is not valid UTF-8`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export const STDIN = 'the input on stdin';

/** Output pieces joined into strings of about a mebibyte: one write per piece would be slow, one string of everything too big. */
export function* joinedInChunks(parts: readonly string[]): Generator<string> {
  const CHUNK = 1 << 20;
  let pending: string[] = [];
  let size = 0;
  for (const part of parts) {
    pending.push(part);
    size += part.length;
    if (size >= CHUNK) {
      yield pending.join('');
      pending = [];
      size = 0;
    }
  }
  if (size > 0) yield pending.join('');
}

export function readStdinBytes(): Uint8Array {
  try {
    return readFileSync(0);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EOF') return new Uint8Array(0);
    throw e;
  }
}

export function readStdin(): string {
  return decodeUtf8(readStdinBytes(), STDIN);
}

export function readTextFile(path: string): string {
  return decodeUtf8(readFileSync(path), path);
}

/** A file's text, or undefined when it is missing or unreadable (for optional context, never for input). */
export function readTextFileIfAny(path: string): string | undefined {
  try {
    return readTextFile(path);
  } catch {
    return undefined;
  }
}
