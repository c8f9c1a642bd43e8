// The run lock: one writer per run folder. A file created exclusively (O_EXCL) holding who took it (pid,
// hostname, start time, tool). A lock whose pid is dead on this host is stale and taken over; a lock from another
// host cannot be checked, so it holds until removed by hand (the message says how).
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';

export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  /** Who holds it, e.g. "ubp run" or "VS Code". */
  tool?: string;
}

export class RunLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockInfo | null,
  ) {
    super(
      holder
        ? `run is in use by ${holder.tool ?? 'another process'} (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}); ` +
            `wait for it to finish or cancel it${holder.hostname === os.hostname() ? '' : `, or delete ${lockFile} if that process is gone`}`
        : `run is locked by ${lockFile}`,
    );
    this.name = 'RunLockedError';
  }
}

/** Locks held by this process, so a second store in the same process is refused too. */
const heldHere = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    return typeof v.pid === 'number' && typeof v.hostname === 'string' ? v : null;
  } catch {
    return null;
  }
}

function isStale(file: string, info: LockInfo | null): boolean {
  if (!info) {
    // Unreadable: a writer killed between creating and filling the file. Give a live writer a moment.
    try {
      return Date.now() - statSync(file).mtimeMs > 5000;
    } catch {
      return true;
    }
  }
  if (info.hostname !== os.hostname()) return false;
  if (info.pid === process.pid) return !heldHere.has(file);
  return !pidAlive(info.pid);
}

export interface RunLock {
  readonly file: string;
  readonly info: LockInfo;
  /** True when a stale lock (dead holder) was taken over. */
  readonly tookOver: LockInfo | null;
  release(): void;
}

/** Takes the lock or throws RunLockedError naming the holder. */
export function acquireLock(file: string, tool?: string): RunLock {
  const info: LockInfo = {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    tool,
  };
  let tookOver: LockInfo | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readLock(file);
      if (!isStale(file, holder)) throw new RunLockedError(file, holder);
      tookOver = holder;
      try {
        unlinkSync(file);
      } catch {
        /* someone else removed it first: race for it again */
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(info) + '\n');
    } finally {
      closeSync(fd);
    }
    heldHere.add(file);
    const onExit = (): void => release();
    process.once('exit', onExit);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      process.removeListener('exit', onExit);
      heldHere.delete(file);
      const now = readLock(file);
      if (now && now.pid === info.pid && now.startedAt === info.startedAt) {
        try {
          unlinkSync(file);
        } catch {
          /* already gone */
        }
      }
    };
    return { file, info, tookOver, release };
  }
  throw new RunLockedError(file, readLock(file));
}

/** Who holds the lock now, or null when it is free or stale. */
export function lockHolder(file: string): LockInfo | null {
  const info = readLock(file);
  try {
    statSync(file);
  } catch {
    return null;
  }
  return isStale(file, info) ? null : info;
}
