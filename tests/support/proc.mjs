// What Linux says about the processes the tests start: which workerd is whose, and how much
// memory a process holds.
import { readdir, readFile, writeFile } from 'node:fs/promises';

/** The workerd processes this process has started (Miniflare runs workerd as a child). */
export async function workerdChildren() {
  const found = [];
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // `pid (comm) state ppid ...`; comm may hold spaces, so read after its closing parenthesis.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (comm === 'workerd' && ppid === process.pid) found.push(Number(entry));
  }
  return found;
}

/** A `/proc/<pid>/status` field in bytes (`VmRSS`, `VmHWM`: resident and peak resident). */
export async function memoryOf(pid, field) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  if (!kib) throw new Error(`no ${field} for process ${pid}`);
  return Number(kib[1]) * 1024;
}

/**
 * Starts a new peak for `VmHWM` at the current resident size (Linux's `clear_refs` with 5).
 * `false` where the kernel does not allow it; the peak is then the one since the start.
 */
export async function resetPeakMemory(pid) {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
