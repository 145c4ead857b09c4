import type { Page } from 'playwright-core';

/**
 * Points the Web UI at a codec server the way an operator does after `npm run server`: the Codec Server button
 * (top right), "Use my browser setting", the endpoint pasted, Apply. The UI keeps it in this browser's
 * localStorage; the dev server is never given the endpoint (its token would be in argv and in /api/v1/settings).
 */
export async function setCodecEndpointInUi(page: Page, uiUrl: string, endpoint: string): Promise<void> {
  await page.goto(`${uiUrl}/namespaces/default/workflows`, { waitUntil: 'domcontentloaded' });
  await page.getByTestId('data-encoder-status').click();
  const dialog = page.locator('form[method=dialog]').filter({ has: page.getByTestId('use-local-endpoint-input') });
  await dialog.getByTestId('use-local-endpoint-input').check();
  await dialog.getByRole('textbox').fill(endpoint);
  await dialog.getByTestId('confirm-modal-button').click();
  const stored = await page.evaluate<string | null>("window.localStorage.getItem('endpoint')");
  if (stored !== JSON.stringify(endpoint)) throw new Error(`the UI did not keep the codec endpoint (got ${stored})`);
}
