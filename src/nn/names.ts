// Keras spellings: a learner types 'binary_crossentropy', 'Adam' or batch_size; these helpers let nn
// accept every spelling of a name and point out an option written the Python way.
import { VerboError } from '../util/errors.js';

/** 'Binary_CrossEntropy' → 'binarycrossentropy': one key for every spelling of a name. */
export function nameKey(name: string): string {
  return name.replaceAll('_', '').toLowerCase();
}

/** 'batch_size' → 'batchSize'. */
function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Throws on an option `what` does not know, naming the camelCase spelling when the user wrote Keras'
 * Python one (fit({ batch_size: 32 }) → "use batchSize"), so a misspelt option is never ignored.
 */
export function checkOptionNames(what: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined || options === null) return;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const camel = camelCase(key);
    const hint = known.includes(camel)
      ? `write it as ${camel} (JavaScript options are camelCase)`
      : `known options: ${known.join(', ')}`;
    throw new VerboError(`${what}: unknown option '${key}'; ${hint}`);
  }
}
