/**
 * A streaming reader for one JSON object whose bulk is a single array member (a ledger bundle's
 * `leaves`): the text arrives in chunks, the array's elements come out as soon as each is complete,
 * and the other members are parsed when the text ends. Memory holds one element at a time, not the
 * whole text, so a bundle of any size is read in bounded memory and its elements can be checked
 * while the rest is still being read.
 *
 * Strict: the text must be exactly what `JSON.parse` accepts (RFC 8259), and the result is what
 * `JSON.parse` gives, except that a repeated member name is refused (RFC 8259 §4 leaves which one
 * wins to the parser, so two auditors could read two different bundles from one file). Errors are
 * `SyntaxError`s, like `JSON.parse`'s, and `ENCODING_TOO_LARGE` for a single value beyond the
 * limit. Each value other than the streamed array's plain ASCII strings is handed to `JSON.parse`
 * whole, so the grammar of numbers, escapes and literals is its.
 * Pure: no I/O.
 */

import { FulcrumError } from '../errors/index.js'
import { EncodingError } from './canonical.js'

/**
 * Default of the largest single value held whole: a bundle's leaves are at most 64 KiB of entry
 * (about 87 KiB of base64, 6x that if every character were escaped), its other members a few KiB.
 */
export const MAX_TOKEN_BYTES = 1024 * 1024

const QUOTE = 0x22
const BACKSLASH = 0x5c
const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09
/** Bytes that end a number or literal (JSON.parse then judges the token). */
/** Bytes of a string that need no decoding: printable ASCII but the quote and the backslash. */
const isPlain = (b: number): boolean => b >= 0x20 && b < 0x80 && b !== QUOTE && b !== BACKSLASH
const endsPrimitive = (b: number): boolean => isSpace(b) || b === 0x2c || b === 0x5d || b === 0x7d

const utf8 = new TextDecoder('utf-8')

/** Where the reader is in the object. */
const enum At {
  /** Before the first byte that is not whitespace. */
  Start,
  /** The text is not an object: all of it is kept and parsed at the end. */
  Whole,
  /** After `{`: a member name or `}`. */
  FirstKey,
  /** After `,`: a member name. */
  Key,
  /** After a member name: `:`. */
  Colon,
  /** After `:`: a value. */
  Value,
  /** After a member's value: `,` or `}`. */
  AfterMember,
  /** After the streamed array's `[`: an element or `]`. */
  FirstElement,
  /** After `,` in the streamed array: an element. */
  Element,
  /** After an element: `,` or `]`. */
  AfterElement,
  /** After the object's `}`: whitespace only. */
  Done
}

/** What the token being read is, once it is complete. */
const enum Token { None, Key, MemberValue, Element, PlainString }

/** Result of {@link StreamedObjectReader.end}. */
export interface StreamedObject {
  /** The parsed text, without the streamed member if it was an array (then see `elements`). */
  value: unknown
  /** How many elements the streamed array had; undefined if the member was absent or not an array. */
  elements: number | undefined
}

/**
 * Reads one JSON object incrementally; the array value of member `streamed` is returned element
 * by element from {@link push} (a plain ASCII string as a string, anything else as `JSON.parse`
 * gives it), every other member at {@link end}.
 */
export class StreamedObjectReader {
  private at = At.Start
  private token = Token.None
  /** Bytes of the token in progress from earlier chunks. */
  private parts: Uint8Array[] = []
  /** Generic token state: nesting depth, inside a string, after a backslash, started. */
  private depth = 0
  private inString = false
  private escaped = false
  private primitive = false
  private key = ''
  private readonly members: Record<string, unknown> = {}
  private readonly seen = new Set<string>()
  private elements: number | undefined
  private whole: Uint8Array[] = []

  /** Bytes held in tokens from earlier chunks (of the token in progress, or of a text that is no object). */
  private held = 0

  /**
   * @param streamed the member whose array is streamed
   * @param maxTokenBytes the largest value (or element, or text that is not an object) held whole:
   *   beyond it `ENCODING_TOO_LARGE`, so that a hostile text cannot fill memory with one value
   */
  constructor (private readonly streamed: string, private readonly maxTokenBytes = MAX_TOKEN_BYTES) {}

  /** Reads the next bytes; returns the streamed array's elements they complete, in order. */
  push (chunk: Uint8Array): unknown[] {
    const out: unknown[] = []
    if (this.at === At.Whole) { this.hold(this.whole, chunk); return out }
    let start = 0 // where the token in progress begins in this chunk
    for (let i = 0; i < chunk.length; i++) {
      if (this.token === Token.PlainString) {
        // The bulk of a bundle: skip to the first byte that is not plain string content.
        while (i < chunk.length && isPlain(chunk[i] as number)) i++
        if (i === chunk.length) break
      }
      const b = chunk[i] as number
      if (this.token !== Token.None) {
        const end = this.tokenEnd(b)
        if (end < 0) continue
        // end 0: the token ends before this byte (a number or literal); 1: with it.
        const last = i + end
        this.finish(this.take(chunk, start, last), out)
        if (end === 1) continue
      }
      if (isSpace(b)) continue
      start = i
      if (this.step(b)) { this.hold(this.whole, chunk.subarray(i)); return out }
    }
    if (this.token !== Token.None) this.hold(this.parts, chunk.subarray(start))
    return out
  }

  /** Keeps a copy of `bytes` in `parts`, within the limit. */
  private hold (parts: Uint8Array[], bytes: Uint8Array): void {
    this.held += bytes.length
    if (this.held > this.maxTokenBytes) throw new FulcrumError(EncodingError.TOO_LARGE, `a JSON value is larger than ${this.maxTokenBytes} bytes`)
    parts.push(bytes.slice())
  }

  /** Member `name` of the object if it has been read already (never the streamed array). */
  member (name: string): unknown {
    return Object.hasOwn(this.members, name) ? this.members[name] : undefined
  }

  /** The end of the text: the other members (throws `SyntaxError` unless the text was complete and valid). */
  end (): StreamedObject {
    if (this.at === At.Whole) {
      const text = concat(this.whole)
      this.whole = []
      return { value: JSON.parse(utf8.decode(text)), elements: undefined }
    }
    // (A number or literal at the very end is never valid here: the object's `}` comes last.)
    if (this.at !== At.Done || this.token !== Token.None) throw new SyntaxError('Unexpected end of JSON input')
    return { value: this.members, elements: this.elements }
  }

  /** One structural byte (not whitespace) outside any token; true if the text turns out not to be an object. */
  private step (b: number): boolean {
    switch (this.at) {
      case At.Start:
        this.at = b === 0x7b ? At.FirstKey : At.Whole
        break
      case At.FirstKey: // the object's first member, or `}`
        this.first(b, 0x7d, At.Done, Token.Key)
        break
      case At.FirstElement: // the array's first element, or `]`
        this.first(b, 0x5d, At.AfterMember, Token.Element)
        break
      case At.Key:
        this.begin(b, Token.Key)
        break
      case At.Element:
        this.begin(b, Token.Element)
        break
      case At.AfterMember:
        this.at = afterItem(b, 0x7d, At.Key, At.Done)
        break
      case At.AfterElement:
        this.at = afterItem(b, 0x5d, At.Element, At.AfterMember)
        break
      case At.Colon:
        if (b !== 0x3a) throw unexpected(b)
        this.at = At.Value
        break
      case At.Value:
        if (this.key === this.streamed && b === 0x5b) {
          this.elements = 0
          this.at = At.FirstElement
        } else {
          this.begin(b, Token.MemberValue)
        }
        break
      default: // Done (Whole never gets here)
        throw unexpected(b)
    }
    return this.at === At.Whole
  }

  /** The first byte inside an object or array: its `close`ing byte (then `out`), or an item's first. */
  private first (b: number, close: number, out: At, token: Token): void {
    if (b === close) this.at = out
    else this.begin(b, token)
  }

  /** Starts a token at byte `b`. */
  private begin (b: number, token: Token): void {
    if (token === Token.Key && b !== QUOTE) throw unexpected(b)
    if (b === 0x2c || b === 0x5d || b === 0x7d || b === 0x3a) throw unexpected(b)
    // An element that opens a string is read as a plain string until it shows otherwise.
    this.token = token === Token.Element && b === QUOTE ? Token.PlainString : token
    this.parts = []
    this.held = 0
    this.depth = b === 0x7b || b === 0x5b ? 1 : 0
    this.inString = b === QUOTE
    this.escaped = false
    this.primitive = !this.inString && this.depth === 0
  }

  /**
   * Whether byte `b` ends the token in progress: -1 not yet, 0 the token ended before `b`, 1 it
   * ends with `b`.
   */
  private tokenEnd (b: number): number {
    if (this.token === Token.PlainString) {
      if (b === QUOTE) return 1
      if (isPlain(b)) return -1
      this.token = Token.Element // an escape, a control or non-ASCII byte: JSON.parse reads it
    }
    if (this.primitive) return endsPrimitive(b) ? 0 : -1
    if (this.inString) {
      if (this.escaped) this.escaped = false
      else if (b === BACKSLASH) this.escaped = true
      else if (b === QUOTE) { this.inString = false; if (this.depth === 0) return 1 }
      return -1
    }
    if (b === QUOTE) this.inString = true
    else if (b === 0x7b || b === 0x5b) this.depth++
    else if ((b === 0x7d || b === 0x5d) && --this.depth === 0) return 1
    return -1
  }

  /** The bytes of the token that ends at `end` in `chunk` (it began at `start`, or in earlier chunks). */
  private take (chunk: Uint8Array, start: number, end: number): Uint8Array {
    const tail = chunk.subarray(start, end)
    if (this.parts.length === 0) return tail
    this.parts.push(tail)
    return concat(this.parts)
  }

  /** A complete token: parsed and put where it belongs. */
  private finish (bytes: Uint8Array, out: unknown[]): void {
    const token = this.token
    this.token = Token.None
    this.parts = []
    if (token === Token.PlainString) {
      out.push(utf8.decode(bytes.subarray(1, bytes.length - 1)))
      this.elements = (this.elements ?? 0) + 1
      this.at = At.AfterElement
      return
    }
    const value: unknown = JSON.parse(utf8.decode(bytes))
    if (token === Token.Key) {
      const key = value as string
      if (this.seen.has(key)) throw new SyntaxError(`Duplicate member name ${JSON.stringify(key)}`)
      this.seen.add(key)
      this.key = key
      this.at = At.Colon
    } else if (token === Token.MemberValue) {
      // As JSON.parse does (a data property even for `__proto__`).
      Object.defineProperty(this.members, this.key, { value, enumerable: true, writable: true, configurable: true })
      this.at = At.AfterMember
    } else {
      out.push(value)
      this.elements = (this.elements ?? 0) + 1
      this.at = At.AfterElement
    }
  }
}

/** After an item of an object or array: `,` (then `next`) or its `close`ing byte (then `out`). */
function afterItem (b: number, close: number, next: At, out: At): At {
  if (b === 0x2c) return next
  if (b === close) return out
  throw unexpected(b)
}

function unexpected (b: number): SyntaxError {
  return new SyntaxError(`Unexpected token '${String.fromCharCode(b)}' in JSON`)
}

function concat (parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}
