/**
 * Reading the files of the store: opening one that may have been pruned, reading at an offset, and
 * parsing a stored line back into an event.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { LOG_LEVELS, type LogEvent } from './event.js';

/** How much a reader reads at once. */
export const CHUNK = 64 * 1024;
export const NEWLINE = 0x0a;
export const EMPTY = Buffer.alloc(0);

/** Up to `length` bytes at `position`: fewer at the end of the file. */
export async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** The file opened for reading, or undefined if it is not there (pruned, or the logs cleared). */
export async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const LEVELS = new Set<string>(LOG_LEVELS);

/**
 * One stored line as an event, or undefined for a line that is not one: the fragment a crashed
 * writer left (the next writer ends it with a newline) must not stop the reader.
 */
export function parseStoredLine(line: Buffer): LogEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const ok =
    typeof e.time === 'string' &&
    typeof e.server === 'string' &&
    typeof e.replica === 'number' &&
    typeof e.stream === 'string' &&
    typeof e.level === 'string' &&
    LEVELS.has(e.level) &&
    typeof e.msg === 'string';
  return ok ? (value as LogEvent) : undefined;
}
