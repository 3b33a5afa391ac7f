import { replaceSection } from './docs-section.js';

describe('replaceSection', () => {
  it('replaces only what is between its own markers', () => {
    const text = [
      '# Doc',
      '<!-- a:begin -->',
      'old a',
      '<!-- a:end -->',
      '<!-- a:sizing:begin -->',
      'old sizing',
      '<!-- a:sizing:end -->',
      'after',
    ].join('\n');
    const once = replaceSection(text, 'a', 'new a', '# A');
    expect(once).toBe(text.replace('old a', 'new a'));
    expect(replaceSection(once, 'a:sizing', 'new sizing', '# S')).toBe(
      text.replace('old a', 'new a').replace('old sizing', 'new sizing'),
    );
  });

  it('appends the section under its heading the first time', () => {
    expect(replaceSection('# Doc\n', 'a', 'body', '# A')).toBe(
      '# Doc\n\n# A\n\n<!-- a:begin -->\nbody\n<!-- a:end -->\n',
    );
  });
});
