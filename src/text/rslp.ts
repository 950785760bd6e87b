// RSLP, the Portuguese stemmer of Orengo & Huyck (SPIRE 2001), written from the paper's description
// and its published rule tables (rslp-rules.ts). Eight steps in the paper's order and flow:
//
//   ends in "s"?  → plural reduction        (balões → balão, casas → casa)
//   ends in "a"?  → feminine reduction      (professora → professor, americana → americano)
//   adverb reduction                        (felizmente → feliz)
//   augmentative/diminutive reduction       (carrinho → carr, meninão → menin)
//   noun suffix reduction; if a suffix went → accent removal
//   otherwise verb suffix reduction; if a suffix went → accent removal
//   otherwise vowel removal                 (menino → menin)
//   accent removal                          (psicólog → psicolog)
//
// Each step applies at most one rule: the first (in table order, longest suffixes first) whose
// suffix ends the word, which leaves a stem of at least its minimum size, and whose word is not an
// exception. The input is one lowercased word; anything without letters comes back unchanged.

import {
  ADVERB,
  AUGMENTATIVE,
  FEMININE,
  NOUN,
  PLURAL,
  type RslpStepTable,
  VERB,
  VOWEL,
} from './rslp-rules.js';

interface Rule {
  readonly suffix: string;
  readonly minStem: number;
  readonly replacement: string;
  readonly exceptions: readonly string[];
}

interface Step {
  readonly minWordLength: number;
  readonly wholeWordExceptions: boolean;
  readonly endings: readonly string[];
  readonly rules: readonly Rule[];
}

function compileStep(table: RslpStepTable): Step {
  return {
    minWordLength: table.minWordLength,
    wholeWordExceptions: table.wholeWordExceptions,
    endings: table.endings,
    rules: table.rules.map(([suffix, minStem, replacement = '', exceptions = []]) => ({
      suffix,
      minStem,
      replacement,
      exceptions,
    })),
  };
}

export type RslpStepName = RslpStepTable['name'];

const STEPS: Readonly<Record<RslpStepName, Step>> = {
  plural: compileStep(PLURAL),
  feminine: compileStep(FEMININE),
  adverb: compileStep(ADVERB),
  augmentative: compileStep(AUGMENTATIVE),
  noun: compileStep(NOUN),
  verb: compileStep(VERB),
  vowel: compileStep(VOWEL),
};

function isException(word: string, rule: Rule, wholeWord: boolean): boolean {
  if (wholeWord) return rule.exceptions.includes(word);
  for (const exception of rule.exceptions) if (word.endsWith(exception)) return true;
  return false;
}

/** Applies the first rule of `step` that fits `word`; returns the word unchanged when none does. */
function applyStep(word: string, step: Step): string {
  if (word.length < step.minWordLength) return word;
  if (step.endings.length > 0 && !step.endings.some((ending) => word.endsWith(ending))) return word;
  for (const rule of step.rules) {
    if (!word.endsWith(rule.suffix)) continue;
    const stemLength = word.length - rule.suffix.length;
    if (stemLength < rule.minStem) continue;
    if (isException(word, rule, step.wholeWordExceptions)) continue;
    return word.slice(0, stemLength) + rule.replacement;
  }
  return word;
}

// Accent removal, the paper's last step: psicólogo and psicologia must meet at "psicolog".
const ACCENT_FOLD: Readonly<Record<string, string>> = {
  á: 'a',
  à: 'a',
  â: 'a',
  ã: 'a',
  ä: 'a',
  é: 'e',
  è: 'e',
  ê: 'e',
  ë: 'e',
  í: 'i',
  ì: 'i',
  î: 'i',
  ï: 'i',
  ó: 'o',
  ò: 'o',
  ô: 'o',
  õ: 'o',
  ö: 'o',
  ú: 'u',
  ù: 'u',
  û: 'u',
  ü: 'u',
  ç: 'c',
  ñ: 'n',
};
const ACCENTED = /[áàâãäéèêëíìîïóòôõöúùûüçñ]/g;

function removeAccents(word: string): string {
  return word.replace(ACCENTED, (letter) => ACCENT_FOLD[letter] ?? letter);
}

/**
 * One RSLP step alone (its first fitting rule, or the word unchanged), for tests and for callers
 * who want a lighter stemmer, e.g. plural reduction only (RSLP-S).
 */
export function rslpStep(word: string, step: RslpStepName): string {
  return applyStep(word, STEPS[step]);
}

/** The RSLP stem of one lowercased Portuguese word, e.g. rslpStem('meninas') === 'menin'. */
export function rslpStem(word: string): string {
  let stem = word;
  if (stem.endsWith('s')) stem = applyStep(stem, STEPS.plural);
  if (stem.endsWith('a')) stem = applyStep(stem, STEPS.feminine);
  stem = applyStep(stem, STEPS.adverb);
  stem = applyStep(stem, STEPS.augmentative);
  const beforeSuffixes = stem;
  stem = applyStep(stem, STEPS.noun);
  if (stem === beforeSuffixes) {
    stem = applyStep(stem, STEPS.verb);
    if (stem === beforeSuffixes) stem = applyStep(stem, STEPS.vowel);
  }
  return removeAccents(stem);
}
