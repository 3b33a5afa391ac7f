import { html, type SafeHtml } from '../html.js';

/** Who is looking at the page: their key's name and role, and the session's form token. */
export interface Viewer {
  name: string;
  role: 'admin' | 'viewer' | 'ingest';
  csrfToken: string;
}

/** A message an action left for the next page (fixed texts or the server's own words). */
export interface Flash {
  kind: 'notice' | 'error';
  text: string;
}

export const isAdmin = (viewer: Viewer | undefined) => viewer?.role === 'admin';

export interface LayoutOptions {
  title: string;
  viewer: Viewer | undefined;
  /** Which navigation entry is the current page. */
  section?: 'results' | 'people' | 'audit';
  flash?: Flash[] | undefined;
  /**
   * The live region's refresh rule for the page's script: `head` refreshes on any change (a
   * first page), `ids` only when a shown image changes. Unset: the page does not listen.
   */
  live?: 'head' | 'ids' | undefined;
  /** Without the script, a page showing unfinished work reloads itself after this many seconds. */
  refreshSeconds?: number | undefined;
}

/** The hidden field every admin form carries (csrf-sync checks it). */
export const csrfField = (viewer: Viewer) =>
  html`<input type="hidden" name="_csrf" value="${viewer.csrfToken}" />`;

export function flashMessages(flash: Flash[] | undefined): SafeHtml | null {
  if (!flash || flash.length === 0) return null;
  return html`${flash.map((message) =>
    message.kind === 'error'
      ? html`<p class="error" role="alert">${message.text}</p>`
      : html`<p class="notice" role="status">${message.text}</p>`,
  )}`;
}

/**
 * Every page: a skip link, a banner with the navigation and who is signed in, the main content
 * and a footer. Styles and the script come from /static (the CSP allows nothing inline).
 */
export function layout(options: LayoutOptions, body: SafeHtml): string {
  const { viewer, section } = options;
  const current = (name: LayoutOptions['section']) =>
    section === name ? html` aria-current="page"` : null;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        ${
          options.refreshSeconds
            ? html`<noscript><meta http-equiv="refresh" content="${options.refreshSeconds}" /></noscript>`
            : null
        }
        <title>${options.title} — facetrail</title>
        <link rel="stylesheet" href="/static/facetrail.css" />
        <script src="/static/facetrail.js" defer></script>
      </head>
      <body${options.live ? html` data-live="${options.live}"` : null}>
        <a class="skip" href="#main">Skip to content</a>
        <header class="banner">
          <a class="brand" href="/">facetrail</a>
          ${
            viewer
              ? html`<nav aria-label="Main">
                  <ul>
                    <li><a href="/"${current('results')}>Results</a></li>
                    <li><a href="/people"${current('people')}>People</a></li>
                    ${isAdmin(viewer) ? html`<li><a href="/audit"${current('audit')}>Audit log</a></li>` : null}
                  </ul>
                </nav>
                <form class="signout" method="post" action="/logout">
                  <span>Signed in as <strong>${viewer.name}</strong> (${viewer.role})</span>
                  ${csrfField(viewer)}
                  <button type="submit">Sign out</button>
                </form>`
              : null
          }
        </header>
        <main id="main" tabindex="-1">
          ${flashMessages(options.flash)} ${body}
        </main>
        <footer>
          <p>
            <span class="zone-note">Times are shown in UTC.</span>
            <span id="live-status" role="status" aria-live="polite"></span>
          </p>
        </footer>
      </body>
    </html>`.value;
}
