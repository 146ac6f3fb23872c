/**
 * The demo's narrative: numbered steps (`[3/9] ...`, the progress a newcomer follows) and
 * indented lines, every one at most {@link MAX_COLUMNS} wide so that it reads in any terminal.
 */

/** Widest line the demo prints: an 80-column terminal without wrapping. */
export const MAX_COLUMNS = 79

/**
 * Breaks `text` into lines of at most `width` columns at spaces, keeping the spacing within a
 * line (aligned columns stay aligned); a word longer than a line (a multiaddr, a path) is cut.
 * Every line after the first is indented by the first line's indent plus `hang` spaces.
 */
export function wrap (text: string, width = MAX_COLUMNS, hang = 0): string[] {
  if (text.length <= width) return [text]
  const lead = text.length - text.trimStart().length
  const pad = ' '.repeat(Math.min(lead + hang, width - 20))
  const lines: string[] = []
  let line = text.slice(0, lead)
  let fresh = true
  for (const [, sep = '', word = ''] of text.slice(lead).matchAll(/(\s*)(\S+)/g)) {
    if (fresh || line.length + sep.length + word.length <= width) {
      line += (fresh ? '' : sep) + word
    } else {
      lines.push(line)
      line = pad + word
    }
    fresh = false
    while (line.length > width) {
      lines.push(line.slice(0, width))
      line = pad + line.slice(width)
    }
  }
  lines.push(line)
  return lines
}

/** Writes the narrative; `write` gets one line at a time (no newline). */
export class Narrator {
  private step_ = 0
  private readonly started: number

  constructor (private readonly write: (line: string) => void, readonly steps: number, private readonly now: () => number = Date.now) {
    this.started = now()
  }

  /** Starts the next step: a blank line, then `[n/steps] title`. */
  step (title: string): void {
    this.step_++
    this.write('')
    for (const l of wrap(`[${this.step_}/${this.steps}] ${title}`, MAX_COLUMNS, 6)) this.write(l)
  }

  /** The step under way (0 before the first). */
  get current (): number {
    return this.step_
  }

  /** One indented paragraph (wrapped); `hang` indents its continuation lines further. */
  say (text: string, hang = 2): void {
    for (const l of wrap(`  ${text}`, MAX_COLUMNS, hang)) this.write(l)
  }

  /** Unindented text (the title, the end). */
  plain (text: string): void {
    for (const l of wrap(text)) this.write(l)
  }

  /** Seconds since the narrative began, e.g. "12.3 s". */
  elapsed (): string {
    return `${((this.now() - this.started) / 1000).toFixed(1)} s`
  }
}
