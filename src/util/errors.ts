// Typed errors. The library throws these (and nothing else) and never prints or exits; src/cli turns a
// VerboError into one line on stderr and exit code 1. Messages say what was wrong, what was expected and
// how to fix it. Every error carries one code of the ErrorCode union, so scripts can tell kinds apart.

/** What kind of failure an error is; one name per kind (no synonyms). */
export type ErrorCode =
  /** A bad argument, option or flag value, or a combination of them that cannot work. */
  | 'BAD_ARGUMENT'
  /** A file, folder or model that does not exist. */
  | 'ENOENT'
  /** A file that cannot be read as what it claims to be: truncated, corrupt, changed or from another model. */
  | 'FORMAT'
  /** Tensor shapes that do not fit together. */
  | 'SHAPE'
  /** A word that is not in the vocabulary. */
  | 'UNKNOWN_WORD'
  /** Nothing to work on: an empty corpus, vocabulary, index or text. */
  | 'EMPTY'
  /** A size beyond its documented maximum, or more memory than the machine has. */
  | 'TOO_LARGE'
  /** What was given does not match what is there: a resumed run's corpus or settings, a model of another kind. */
  | 'MISMATCH'
  /** Training produced a non-finite loss or non-finite weights. */
  | 'DIVERGED'
  /** Another process is writing the same output folder. */
  | 'LOCKED'
  /** The operating system refused a file operation (disk full, read-only, permissions, not a directory). */
  | 'FILE_SYSTEM'
  /** Stopped on request (Ctrl-C, an AbortSignal). */
  | 'ABORTED'
  /** This machine or build cannot do it (a big-endian host, a missing compiled kernel). */
  | 'UNSUPPORTED'
  /** A bug in verbo: an invariant that should always hold did not. */
  | 'INTERNAL';

/** An error caused by the caller's input (a bad argument, a missing file, a corrupt model, an unknown word). */
export class VerboError extends Error {
  /** The kind of failure (see ErrorCode). */
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode = 'BAD_ARGUMENT') {
    super(message);
    this.name = 'VerboError';
    this.code = code;
  }
}

/** A word that is not in the vocabulary; `suggestions` holds close spellings when there are any. */
export class UnknownWordError extends VerboError {
  readonly word: string;
  readonly suggestions: string[];
  constructor(word: string, suggestions: string[] = []) {
    const hint = suggestions.length > 0 ? ` Did you mean: ${suggestions.join(', ')}?` : '';
    super(`word '${shown(word)}' is not in the vocabulary.${hint}`, 'UNKNOWN_WORD');
    this.name = 'UnknownWordError';
    this.word = word;
    this.suggestions = suggestions;
  }
}

/** Tensor shape errors name the op and show both shapes. */
export class ShapeError extends VerboError {
  constructor(message: string) {
    super(message, 'SHAPE');
    this.name = 'ShapeError';
  }
}

/** A file that exists but cannot be read as what it claims to be (truncated, corrupt, wrong format). */
export class FormatError extends VerboError {
  constructor(message: string) {
    super(message, 'FORMAT');
    this.name = 'FormatError';
  }
}

/** Training produced a non-finite loss or weights; nothing was saved over the previous model. */
export class DivergedError extends VerboError {
  constructor(message: string) {
    super(message, 'DIVERGED');
    this.name = 'DivergedError';
  }
}

/** A file operation the operating system refused; `errno` is Node's code (ENOSPC, EROFS, ...). */
export class FileSystemError extends VerboError {
  readonly errno: string;
  readonly path: string;
  constructor(message: string, errno: string, path: string) {
    super(message, 'FILE_SYSTEM');
    this.name = 'FileSystemError';
    this.errno = errno;
    this.path = path;
  }
}

/** A bug in verbo (an invariant that did not hold); the CLI reports it as an internal error. */
export class InternalError extends VerboError {
  constructor(message: string) {
    super(message, 'INTERNAL');
    this.name = 'InternalError';
  }
}

/**
 * A word or text as it may appear inside a one-line message: control characters (ANSI escapes, line
 * breaks) shown as \u escapes, and anything longer than `max` characters cut with an ellipsis.
 */
export function shown(text: string, max = 60): string {
  const safe = text.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}

/**
 * Why a parser refused a text (JSON.parse's message, which quotes the text it read): escaped and cut
 * by `shown`, so that a file of binary garbage still gives a one-line message.
 */
export function parseFailure(error: unknown, max = 100): string {
  return shown(error instanceof Error ? error.message : String(error), max);
}
