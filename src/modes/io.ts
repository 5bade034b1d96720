// Reading input: bytes must be UTF-8. Node would replace invalid bytes with U+FFFD without a word,
// and the function would then write altered text back.
import { readFileSync } from 'node:fs';
import { InputError } from '../krm/read.js';

const strict = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw new InputError(`${what} is not valid UTF-8`);
  }
}

export const STDIN = 'the input on stdin';

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
