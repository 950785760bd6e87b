// Typed errors. The library throws these and never prints or exits; src/cli turns a VerboError into
// one line on stderr and exit code 1. Messages say what was wrong, what was expected and how to fix it.

/** An error caused by the caller's input (a bad argument, a missing file, a corrupt model, an unknown word). */
export class VerboError extends Error {
  /** A short machine-readable kind, e.g. 'ENOENT', 'UNKNOWN_WORD', 'SHAPE', 'FORMAT'. */
  readonly code: string;
  constructor(message: string, code = 'VERBO') {
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
    super(`word '${word}' is not in the vocabulary.${hint}`, 'UNKNOWN_WORD');
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
