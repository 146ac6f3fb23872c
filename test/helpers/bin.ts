/** Running the built `fulcrum` executable as a real process (test/e2e). */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Path of the executable; `npm test` builds dist/ first (pretest). */
export const FULCRUM_BIN = fileURLToPath(new URL('../../bin/fulcrum.js', import.meta.url))

/** Runs `fulcrum ...args` to completion (killed after `timeoutMs`, a failure bound) and returns its exit code and output. */
export async function runBin (args: string[], options: { env?: Record<string, string>, timeoutMs?: number } = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  return await new Promise((resolve) => {
    execFile(process.execPath, [FULCRUM_BIN, ...args], { env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1
      resolve({ code, stdout, stderr })
    })
  })
}
