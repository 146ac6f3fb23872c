/** Small files that must survive a crash whole: written beside, fsynced, then renamed over. */
import { open, rename } from 'node:fs/promises'

/**
 * Replaces the file at `path` with `text` atomically and durably: a crash leaves either the old
 * file or the new one, never a torn one, and the new one is on disk when this resolves.
 */
export async function writeFileDurably (path: string, text: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w', mode)
  try {
    await fh.writeFile(text)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
}
