// BIRD's control socket protocol (the one birdc speaks; BIRD's doc/reply_codes): every reply
// line starts with a four-digit code followed by '-' when more lines follow or ' ' on the last
// line; a line starting with a space continues the previous code. 0xxx ends a command, 1xxx is
// a table row, 2xxx a table header, 8xxx a run-time error, 9xxx a parse error.

export interface BirdReplyLine {
  code: number;
  text: string;
}

export class BirdCommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number,
    readonly text: string,
  ) {
    super(`BIRD refused \`${command}\`: ${code} ${text}`);
    this.name = 'BirdCommandError';
  }
}

/**
 * Splits a stream of reply bytes into complete replies. feed() returns the replies that the new
 * bytes completed, each as its lines (the final line included, codes resolved for continuations).
 */
export class BirdReplyReader {
  private pending = '';
  private lines: BirdReplyLine[] = [];
  private lastCode = 0;

  feed(chunk: string): BirdReplyLine[][] {
    this.pending += chunk;
    const complete: BirdReplyLine[][] = [];
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const raw = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      if (raw.startsWith(' ')) {
        this.lines.push({ code: this.lastCode, text: raw.slice(1) });
        continue;
      }
      const match = /^(\d{4})([ -])(.*)$/.exec(raw);
      if (!match) throw new Error(`unexpected line from BIRD's control socket: ${JSON.stringify(raw)}`);
      this.lastCode = Number(match[1]);
      this.lines.push({ code: this.lastCode, text: match[3] ?? '' });
      if (match[2] === ' ') {
        complete.push(this.lines);
        this.lines = [];
      }
    }
    return complete;
  }
}

/** True for the codes BIRD uses for errors (8xxx run-time, 9xxx parse). */
export function isErrorCode(code: number): boolean {
  return code >= 8000;
}
