import { html } from '../html.js';
import { csrfField, layout, type Viewer } from './layout.js';

export function errorPage(status: number, message: string, viewer?: Viewer): string {
  const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : `Error ${status}`;
  return layout(
    { title, viewer },
    html`<h1>${title}</h1>
      <p class="error" role="alert">${message}</p>
      <p><a href="/">Back to the results</a></p>`,
  );
}

/** The sign-in page: one key, pasted once; the session lasts SESSION_TTL_HOURS. */
export function loginPage(input: {
  csrfToken: string;
  next: string;
  message?: string | undefined;
}): string {
  const body = html`<h1>Sign in</h1>
    ${input.message ? html`<p class="error" role="alert">${input.message}</p>` : null}
    <p>Paste the key an administrator gave you (a viewer or admin key).</p>
    <form method="post" action="/login">
      <input type="hidden" name="_csrf" value="${input.csrfToken}" />
      <input type="hidden" name="next" value="${input.next}" />
      <div class="field">
        <label for="key">Key</label>
        <input id="key" class="key" name="key" type="password" autocomplete="off" required autofocus />
      </div>
      <button type="submit">Sign in</button>
    </form>`;
  return layout({ title: 'Sign in', viewer: undefined }, body);
}

/** Asks an admin to confirm a deletion that cannot be undone; posting the form does it. */
export function confirmPage(input: {
  title: string;
  explanation: string;
  action: string;
  button: string;
  cancel: string;
  viewer: Viewer;
}): string {
  const body = html`<h1>${input.title}</h1>
    <p>${input.explanation}</p>
    <form method="post" action="${input.action}">
      ${csrfField(input.viewer)}
      <button type="submit" class="danger">${input.button}</button>
      <a href="${input.cancel}">Cancel</a>
    </form>`;
  return layout({ title: input.title, viewer: input.viewer }, body);
}
