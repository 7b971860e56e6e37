/** What the sign-in window shows for one connection. */
export interface SignInPage {
  siteName: string;
  /** the connection's shop id, which is the login id on the site */
  loginId: string;
  /** the connection has no API key and the service brings none: the seller gives one here */
  asksForApiKey: boolean;
  state: string;
  csrfToken: string;
  /** the path the form posts to */
  action: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

/**
 * The sign-in form: no scripts and no external assets (its Content-Security-Policy allows inline styles only).
 * The login id is the connection's shop id, shown read-only so that a password manager files the password
 * under the right account.
 */
export function renderSignInPage(page: SignInPage): string {
  const site = escapeHtml(page.siteName);
  const apiKeyField = page.asksForApiKey
    ? `<label for="apiKey">API key</label>
      <input id="apiKey" name="apiKey" type="password" autocomplete="off" required maxlength="4000">
      <p class="hint">Issued in QSM after applying for API use.</p>`
    : '';
  return `<!doctype html>
<html lang="ja">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>Sign in to ${site} — Mallbridge</title>
  <style>
    body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
    main { max-width: 24rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
    h1 { font-size: 1.25rem; margin-top: 0; }
    label { display: block; margin-top: 1rem; font-weight: 600; }
    input { width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; font-size: 1rem; }
    input[readonly] { background: #eee; }
    button { margin-top: 1.5rem; width: 100%; padding: .6rem; font-size: 1rem; }
    .hint { color: #555; font-size: .85rem; margin: .25rem 0 0; }
  </style>
</head>
<body>
  <main>
    <h1>Sign in to ${site}</h1>
    <p class="hint">Mallbridge uses your password once, to create the seller authorization key ("Get Auth"). It is not stored.</p>
    <form method="post" action="${escapeHtml(page.action)}">
      <input type="hidden" name="state" value="${escapeHtml(page.state)}">
      <input type="hidden" name="csrfToken" value="${escapeHtml(page.csrfToken)}">
      <label for="loginId">QSM login id</label>
      <input id="loginId" name="loginId" type="text" autocomplete="username" readonly value="${escapeHtml(page.loginId)}">
      <label for="password">QSM password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="4000" autofocus>
      ${apiKeyField}
      <button type="submit">Sign in</button>
    </form>
  </main>
</body>
</html>
`;
}
