// A small XML well-formedness check for the SVG and HTML the web stage writes (no parser dependency):
// tags must nest and close, attributes must be quoted, entities must be known. HTML void elements
// (meta, br, ...) may stay open when `html` is set.
const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link', 'col', 'wbr', 'source']);

export function checkWellFormed(text: string, options: { html?: boolean } = {}): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let body = text.replace(/<!doctype[^>]*>/i, '').replace(/<!--[\s\S]*?-->/g, '');
  // Raw-text elements hold no markup.
  body = body.replace(/<(style|script)([^>]*)>[\s\S]*?<\/\1>/g, '<$1$2></$1>');
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+(?:="[^"]*"|='[^']*')?)*)\s*(\/?)>/g;
  let last = 0;
  for (let match = tag.exec(body); match !== null; match = tag.exec(body)) {
    const between = body.slice(last, match.index);
    if (between.includes('<')) problems.push(`stray '<' near ${JSON.stringify(between.slice(0, 40))}`);
    for (const entity of between.match(/&[^;\s]*;?/g) ?? []) {
      if (!/^&(amp|lt|gt|quot|#39|#\d+|#x[0-9a-f]+);$/i.test(entity)) problems.push(`bad entity ${entity}`);
    }
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = match;
    const lower = name!.toLowerCase();
    if (closing) {
      const open = stack.pop();
      if (open !== lower) problems.push(`</${lower}> closes <${open}>`);
    } else if (!selfClosing && !(options.html && VOID.has(lower))) {
      stack.push(lower);
    }
  }
  if (body.slice(last).includes('<')) problems.push('stray < at the end');
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`);
  return problems;
}
