/**
 * A streaming reader for one JSON object whose bulk is a single array member (a ledger bundle's
 * `leaves`): the text arrives in chunks, the array's elements come out as soon as each is complete,
 * and the other members are parsed when the text ends. Memory holds the elements a chunk completes
 * and at most one value in progress (bounded), not the whole text, so the elements of a large
 * bundle can be checked while the rest is still being read.
 *
 * Strict: the text must be exactly what `JSON.parse` accepts (RFC 8259), and the result is what
 * `JSON.parse` gives, except that a repeated member name of the object is refused (RFC 8259 §4
 * leaves which one wins to the parser, so two auditors could read two different bundles from one
 * file; names inside member values are JSON.parse's business: the last wins). Errors are
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
/** Bytes of a string that need no decoding: printable ASCII but the quote and the backslash. */
const isPlain = (b: number): boolean => b >= 0x20 && b < 0x80 && b !== QUOTE && b !== BACKSLASH
/** Bytes that end a number or literal (JSON.parse then judges the token). */
const endsPrimitive = (b: number): boolean => isSpace(b) || b === 0x2c || b === 0x5d || b === 0x7d

// A byte order mark is kept (and refused by JSON.parse, as it is in a JSON text), not dropped.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

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
  /**
   * Bytes kept from earlier chunks: of the token in progress, or all of a text that is not an
   * object (`kept[0, keptLength)`; one buffer that doubles, however small the chunks).
   */
  private kept = new Uint8Array(0)
  private keptLength = 0
  /** The token in progress: nesting depth, inside a string, after a backslash, a number or literal. */
  private depth = 0
  private inString = false
  private escaped = false
  private primitive = false
  private key = ''
  private readonly members: Record<string, unknown> = {}
  private readonly seen = new Set<string>()
  private elements: number | undefined

  /**
   * @param streamed the member whose array is streamed
   * @param maxTokenBytes the largest value (or element, or text that is not an object) held whole:
   *   beyond it `ENCODING_TOO_LARGE`, so that a hostile text cannot fill memory with one value
   */
  constructor (private readonly streamed: string, private readonly maxTokenBytes = MAX_TOKEN_BYTES) {}

  /** Reads the next bytes; returns the streamed array's elements they complete, in order. */
  push (chunk: Uint8Array): unknown[] {
    const out: unknown[] = []
    if (this.at === At.Whole) { this.keep(chunk); return out }
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
        this.finish(this.take(chunk, start, i + end), out)
        if (end === 1) continue
      }
      if (isSpace(b)) continue
      start = i
      if (this.step(b)) { this.keep(chunk.subarray(i)); return out }
    }
    if (this.token !== Token.None) this.keep(chunk.subarray(start))
    return out
  }

  /** Keeps a copy of `bytes` after what is kept, within the limit. */
  private keep (bytes: Uint8Array): void {
    const length = this.keptLength + bytes.length
    if (length > this.maxTokenBytes) throw new FulcrumError(EncodingError.TOO_LARGE, `a JSON value is larger than ${this.maxTokenBytes} bytes`)
    if (length > this.kept.length) {
      const grown = new Uint8Array(Math.min(this.maxTokenBytes, Math.max(length, 2 * this.kept.length, 256)))
      grown.set(this.kept.subarray(0, this.keptLength))
      this.kept = grown
    }
    this.kept.set(bytes, this.keptLength)
    this.keptLength = length
  }

  /** Member `name` of the object if it has been read already (never the streamed array). */
  member (name: string): unknown {
    return Object.hasOwn(this.members, name) ? this.members[name] : undefined
  }

  /** The end of the text: the other members (throws `SyntaxError` unless the text was complete and valid). */
  end (): StreamedObject {
    if (this.at === At.Whole) return { value: JSON.parse(utf8.decode(this.kept.subarray(0, this.keptLength))), elements: undefined }
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
    this.keptLength = 0
    this.depth = b === 0x7b || b === 0x5b ? 1 : 0
    this.inString = b === QUOTE
    this.escaped = false
    this.primitive = !this.inString && this.depth === 0
  }

  /**
   * Reads byte `b` of the token in progress; returns whether it ends the token: -1 not yet, 0 the
   * token ended before `b`, 1 it ends with `b`. (A plain string that meets an escape, a control or a
   * non-ASCII byte becomes an element that JSON.parse will read.)
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

  /**
   * The bytes of the token that ends before `end` in `chunk` (it began at `start`, or in earlier
   * chunks): a view, read before anything else is kept.
   */
  private take (chunk: Uint8Array, start: number, end: number): Uint8Array {
    const tail = chunk.subarray(start, end)
    if (this.keptLength === 0) return tail
    this.keep(tail)
    const bytes = this.kept.subarray(0, this.keptLength)
    this.keptLength = 0
    return bytes
  }

  /** A complete token: parsed and put where it belongs. */
  private finish (bytes: Uint8Array, out: unknown[]): void {
    const token = this.token
    this.token = Token.None
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
