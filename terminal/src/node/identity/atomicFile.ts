import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a small file so that after a crash it holds either the old or the new content,
 * never a mix: write a temporary file (0600), fsync it, rename over the target, fsync the
 * directory.
 */
export function writeFileAtomic(path: string, content: string, mode = 0o600): void {
  const temporary = `${path}.tmp-${process.pid}`;
  // A leftover from a crash may have other permissions: remove it and create ours exclusively.
  rmSync(temporary, { force: true });
  try {
    const fd = openSync(temporary, 'wx', mode);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
