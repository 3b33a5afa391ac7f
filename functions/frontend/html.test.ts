import { html, escapeHtml } from './html.js';

describe('html template', () => {
  it('escapes interpolated text, attributes included', () => {
    const name = `<script>alert("x")</script>' onmouseover='steal()`;
    const out = html`<td title="${name}">${name}</td>`.value;
    expect(out).not.toContain('<script>');
    expect(out).not.toContain(`' onmouseover='`);
    expect(out).toBe(`<td title="${escapeHtml(name)}">${escapeHtml(name)}</td>`);
  });

  it('keeps nested templates and lists as markup, and drops null', () => {
    const rows = ['a&b', 'c'].map((cell) => html`<li>${cell}</li>`);
    const list = html`<ul>${rows}${null}</ul>`;
    expect(list.value).toBe('<ul><li>a&amp;b</li><li>c</li></ul>');
  });
});
