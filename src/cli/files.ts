/** Reading input files for commands, with a size limit and coded errors. */
import { isAscii } from 'node:buffer'
import { open, readFile, stat, writeFile } from 'node:fs/promises'
import { FulcrumError } from '../errors/index.js'
import type { CliIO } from './command.js'

/** Error codes of CLI input. */
export const InputError = {
  /** The file cannot be read. */
  UNREADABLE: 'INPUT_UNREADABLE',
  /** The file exceeds the size limit. */
  TOO_LARGE: 'INPUT_TOO_LARGE',
  /** The file is not valid JSON. */
  BAD_JSON: 'INPUT_BAD_JSON'
} as const

/** Largest input file: offers and records are a few KiB; exports go through streaming readers. */
export const MAX_INPUT_BYTES = 1024 * 1024

/** Reads a file (or standard input for `-`) of at most `maxBytes`. */
export async function readInput (path: string, maxBytes = MAX_INPUT_BYTES): Promise<Buffer> {
  try {
    if (path === '-') {
      const chunks: Uint8Array[] = []
      for await (const chunk of readChunks(path, maxBytes)) chunks.push(chunk)
      return Buffer.concat(chunks)
    }
    const { size } = await stat(path)
    if (size > maxBytes) throw new FulcrumError(InputError.TOO_LARGE, `${path} is ${size} bytes, the limit is ${maxBytes}`)
    return await readFile(path)
  } catch (err) {
    if (err instanceof FulcrumError) throw err
    throw new FulcrumError(InputError.UNREADABLE, `cannot read ${path}: ${systemReason(err)}`, { cause: err })
  }
}

/**
 * A file (or standard input for `-`) chunk by chunk, for readers that need not hold it all
 * (`fulcrum audit bundle`); at most `maxBytes` in all. Errors as {@link readInput}.
 */
export async function * readChunks (path: string, maxBytes: number): AsyncGenerator<Uint8Array> {
  let size = 0
  const where = path === '-' ? 'standard input' : path
  try {
    for await (const chunk of path === '-' ? process.stdin : fileChunks(path)) {
      size += (chunk as Buffer).length
      if (size > maxBytes) throw new FulcrumError(InputError.TOO_LARGE, `${where} exceeds ${maxBytes} bytes`)
      yield chunk as Buffer
    }
  } catch (err) {
    if (err instanceof FulcrumError || !isSystemError(err)) throw err
    throw new FulcrumError(InputError.UNREADABLE, `cannot read ${path}: ${systemReason(err)}`, { cause: err })
  }
}

/** Bytes per chunk of {@link readChunks}: large enough that per-chunk costs vanish, small next to memory. */
const CHUNK_BYTES = 1024 * 1024

/** A file's chunks, read with a file handle (a read stream loads the stream modules: start-up time). */
async function * fileChunks (path: string): AsyncGenerator<Uint8Array> {
  const file = await open(path)
  try {
    for (;;) {
      const { bytesRead, buffer } = await file.read(Buffer.allocUnsafe(CHUNK_BYTES), 0, CHUNK_BYTES, null)
      if (bytesRead === 0) return
      yield buffer.subarray(0, bytesRead)
    }
  } finally {
    await file.close()
  }
}

const isSystemError = (err: unknown): boolean => typeof (err as NodeJS.ErrnoException)?.code === 'string' && (err as NodeJS.ErrnoException).syscall !== undefined

/** A system error (ENOENT, EEXIST, ...) in words, with its code in brackets: `no such file or directory [ENOENT]`. */
export function systemReason (err: unknown): string {
  const e = err as NodeJS.ErrnoException
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory', EEXIST: 'already exists', EACCES: 'permission denied', EPERM: 'permission denied',
    EISDIR: 'is a directory', ENOTDIR: 'not a directory', ENOSPC: 'no space left on the device', EROFS: 'read-only file system'
  }
  return typeof e?.code === 'string' ? `${words[e.code] ?? e.message} [${e.code}]` : (e as Error)?.message ?? String(err)
}

/** Reads and parses a JSON file. */
export async function readJson (path: string, maxBytes = MAX_INPUT_BYTES): Promise<unknown> {
  const bytes = await readInput(path, maxBytes)
  // ASCII (every exported bundle) is the same text in latin1, which needs no UTF-8 decoding pass.
  const text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new FulcrumError(InputError.BAD_JSON, `${path} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * Writes a command's JSON result to `out` when given (the `--out FILE` flag), else to standard
 * output. Returns a suffix for the command's status line: `; wrote FILE`, or nothing.
 */
export async function emitJson (io: CliIO, out: unknown, value: unknown): Promise<string> {
  const text = JSON.stringify(value, null, 2)
  if (typeof out !== 'string') {
    io.out(text)
    return ''
  }
  await writeFile(out, text + '\n')
  return `; wrote ${out}`
}
