"""A brand's own page, on its allowed origin, drives the cart API with ``fetch`` in real Chromium.

Adding a line always worked; changing and removing one needs a CORS preflight for ``PATCH`` and
``DELETE`` with ``Authorization`` and ``Content-Type: application/json``, which the browser
itself sends and enforces here.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Deployment

SCRIPT = """async ([api, key]) => {
  const headers = {'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json'};
  const call = async (method, path, body) => {
    const response = await fetch(api + path + '?key=' + key, {
      method, headers: {...headers, 'Idempotency-Key': crypto.randomUUID()},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {status: response.status, body: await response.json()};
  };
  const cart = await call('POST', '/v1/carts', {});
  const line = {sku: 'MH-NOA-TAN', quantity: 2, fulfilment: {method: 'pickup', location: 'columbia-road'}};
  const added = await call('POST', '/v1/carts/' + cart.body.id + '/lines', line);
  const lineId = added.body.lines[0].id;
  const changed = await call('PATCH', '/v1/carts/' + cart.body.id + '/lines/' + lineId, {quantity: 1});
  const removed = await call('DELETE', '/v1/carts/' + cart.body.id + '/lines/' + lineId);
  return {origin: location.origin, statuses: [cart.status, added.status, changed.status, removed.status],
          quantity: changed.body.lines[0].quantity, left: removed.body.lines.length};
}"""


def test_an_allowed_origin_changes_and_removes_a_cart_line_with_fetch(browser: Any, deployment: Deployment) -> None:
    page = browser.new_page()
    failures: list[str] = []
    page.on("requestfailed", lambda request: failures.append(f"{request.method} {request.url}"))
    page.goto(deployment.host)
    result = page.evaluate(SCRIPT, [deployment.api, deployment.publishable_key])
    assert result["origin"] == deployment.host != deployment.api
    assert result["statuses"] == [201, 201, 200, 200], result
    assert (result["quantity"], result["left"]) == (1, 0)
    assert failures == []
    page.close()


def test_another_origin_is_stopped_by_the_browser(browser: Any, deployment: Deployment) -> None:
    """The same script from a page the brand never allowed: the preflight fails, so fetch rejects."""
    page = browser.new_page()
    page.goto(deployment.api + "/healthz")  # our own origin, which is not among the brand's
    outcome = page.evaluate(
        """async ([api, key]) => {
          try {
            await fetch(api.replace('127.0.0.1', 'localhost') + '/v1/carts?key=' + key, {
              method: 'POST', headers: {'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json'},
              body: '{}'});
            return 'reached';
          } catch (error) { return 'blocked'; }
        }""",
        [deployment.api, deployment.publishable_key],
    )
    assert outcome == "blocked"
    page.close()
