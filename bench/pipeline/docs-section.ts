/**
 * Puts `body` between `<!-- name:begin -->` and `<!-- name:end -->` in a Markdown text,
 * replacing what a previous run wrote there; without the markers, appends them under `heading`.
 */
export function replaceSection(text: string, name: string, body: string, heading: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${body.trim()}\n${end}`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from);
  if (from >= 0 && to > from) return text.slice(0, from) + block + text.slice(to + end.length);
  return `${text.trimEnd()}\n\n${heading}\n\n${block}\n`;
}
