/*! Stallkit embed loader: <script src="https://API/embed.js" async></script>, then placeholders like
 * <div data-stallkit="product-page" data-product="noa-micro-bag" data-key="pk_..."></div>
 * (also data-variant, data-lookbook; data-theme if the fragment names none; the page's own ?variant=SKU
 * wins over data-variant, and choosing a variant writes it there). No cookies; localStorage
 * holds the cart id. Each fragment paints in an open shadow root with its theme adopted there, so host
 * CSS cannot reach in nor ours out. htmx comes on the first focus, pointer, key or touch in a mount;
 * a click, submit or change made before it is ready is held and replayed. */
(() => {
  'use strict';
  const me = document.currentScript || document.querySelector('script[src$="/embed.js"]');
  if (!me || window.stallkit) return;
  const ORIGIN = new URL(me.src, location.href).origin;
  const HTMX = ORIGIN + '/static/components/htmx-2.0.11.min.js';
  const VERBS = '[hx-get],[hx-post],[hx-put],[hx-patch],[hx-delete]';
  // What would still be inherited from the host page's text settings.
  const HOST_CSS = ':host{display:block;font:initial;letter-spacing:normal;word-spacing:normal;' +
    'text-transform:none;text-indent:0;text-shadow:none;white-space:normal}' +
    '.sk-live{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap;' +
    'color:initial}'; // outside the themed root, so the host's text colour is stopped here too
  const css = {}; // theme stylesheet URL -> Promise of its text
  const sheets = new Map(); // stylesheet text -> CSSStyleSheet, shared by every mount
  const roots = new Set(); // the shadow roots this loader painted
  const seen = new WeakSet();
  const picks = new WeakMap(); // shadow root -> the SKU of the variant link just used there
  const queue = {}; // publishable key -> events not yet sent
  const held = []; // what the shopper did before htmx was ready, to replay
  let htmx = null; // null: not loaded yet; false: could not load (plain links and forms then)
  let htmxReady = null;
  let timer = 0;
  const get = (url) => fetch(url, { mode: 'cors', credentials: 'omit' })
    .then((res) => (res.ok ? res.text() : Promise.reject(new Error(res.status))));
  const parse = (html) => {
    const tpl = document.createElement('template');
    tpl.innerHTML = html;
    return tpl.content;
  };

  // Closest data attribute, looking out through shadow roots to the placeholder and the host page.
  const attr = (el, name) => {
    for (; el; el = el.getRootNode().host) {
      const hit = el.closest && el.closest('[data-' + name + ']');
      if (hit) return hit.getAttribute('data-' + name);
    }
  };

  // A theme's CSS text, fetched once however many components use it (or '' if it failed: still readable).
  const themeCss = (theme) => {
    if (!/^[a-z0-9-]{1,64}$/.test(theme || '')) return Promise.resolve('');
    const href = ORIGIN + '/static/themes/' + theme + '.css';
    return (css[href] = css[href] || get(href).catch(() => ''));
  };

  const adopt = (root, texts) => {
    try {
      root.adoptedStyleSheets = texts.map((text) => {
        if (!sheets.has(text)) {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(text);
          sheets.set(text, sheet);
        }
        return sheets.get(text);
      });
    } catch (e) { // no constructable stylesheets: plain <style> elements in the root do the same
      root.prepend(...texts.map((text) => Object.assign(document.createElement('style'), { textContent: text })));
    }
  };

  // The page's htmx if it is version 2; else ours, without taking over the page's global.
  const ensureHtmx = () => new Promise((done, fail) => {
    const page = window.htmx;
    if (page && String(page.version).startsWith('2.')) return done(page);
    const s = document.createElement('script');
    s.src = HTMX;
    s.onload = () => {
      const ours = window.htmx;
      if (page) window.htmx = page;
      ours ? done(ours) : fail(new Error('htmx'));
    };
    s.onerror = fail;
    document.head.appendChild(s);
  }).then((h) => {
    // htmx 2 refuses other origins by default: allow ours (and still the page's own) only.
    if (h.config.selfRequestsOnly) {
      h.config.selfRequestsOnly = false;
      document.addEventListener('htmx:validateUrl', (e) => {
        if (!e.detail.sameHost && e.detail.url.origin !== ORIGIN) e.preventDefault();
      });
    }
    return h;
  });

  // Every mount is enhanced (a bag elsewhere must hear a cart change); without htmx a replay is a plain post.
  const wake = () => {
    htmxReady = htmxReady || ensureHtmx().then((h) => {
      htmx = h;
      for (const root of roots) h.process(root);
    }, () => {
      htmx = false;
    }).then(() => {
      for (const replay of held.splice(0)) replay();
    });
  };

  // Analytics: batched, sent with sendBeacon as text/plain JSON (a simple request: no preflight).
  // The API takes these types only, and a product on every event; anything else would spoil a batch.
  const TYPES = 'impression variant_select fulfilment_select add_to_cart checkout_start purchase ' +
    'hotspot_select suggestion_select repair_guide_open';
  const top = (root, name) => { // the fragment's own element (say, the product page's <article>)
    const hit = root.querySelector(':scope > [data-' + name + ']');
    return hit ? hit.getAttribute('data-' + name) : undefined;
  };
  const track = (type, el) => {
    const root = el.closest('.sk-root');
    if (!root || !TYPES.split(' ').includes(type)) return;
    const key = attr(el, 'stallkit-key') || attr(el, 'key') || me.dataset.key;
    const product = attr(el, 'sk-product') || top(root, 'sk-product') || attr(el, 'product');
    if (!key || !product) return;
    (queue[key] = queue[key] || []).push({
      type,
      component: root.getAttribute('data-sk-component') || attr(root, 'stallkit'),
      product,
      variant: attr(el, 'sk-variant') || attr(el, 'sk-sku') || top(root, 'sk-variant') || top(root, 'sk-sku') ||
        attr(el, 'variant'),
      method: attr(el, 'sk-method') || top(root, 'sk-method'),
      occurred_at: new Date().toISOString(),
    });
    timer = timer || setTimeout(flush, 2000);
  };

  const flush = () => {
    clearTimeout(timer);
    timer = 0;
    for (const key of Object.keys(queue)) {
      const url = ORIGIN + '/v1/analytics/events?key=' + encodeURIComponent(key);
      const events = queue[key];
      delete queue[key];
      while (events.length) { // at most 50 events a batch
        const body = JSON.stringify({ events: events.splice(0, 50) });
        let sent = false;
        try { sent = navigator.sendBeacon && navigator.sendBeacon(url, body); } catch (e) { /* fall back */ }
        if (!sent) fetch(url, { method: 'POST', body, keepalive: true, mode: 'no-cors', credentials: 'omit' }).catch(() => {});
      }
    }
  };

  const cart = (key, id) => {
    try {
      const k = 'stallkit-cart:' + key;
      return id === undefined ? localStorage[k] : id ? (localStorage[k] = id) : delete localStorage[k];
    } catch (e) { /* refused */ }
  };
  let stripe = 0;
  const arrived = (el) => {
    for (const root of roots) {
      for (const part of root.querySelectorAll('.sk-root')) {
        if (!seen.has(part)) {
          seen.add(part);
          track('impression', part);
        }
      }
      if (!stripe && root.querySelector('[data-sk-stripe]')) {
        stripe = document.createElement('script');
        stripe.src = ORIGIN + '/static/components/stripe-checkout.js';
        document.head.appendChild(stripe);
      }
    }
    const c = (el.closest && el.closest('[data-sk-cart]')) || el.querySelector('[data-sk-cart]');
    if (c) cart(attr(c, 'stallkit-key'), c.dataset.skCart);
  };

  // A fragment's load-time GET (a cached product page's promise as of now) needs no htmx: outerHTML only.
  const early = (root) => {
    for (const a of root.querySelectorAll('[hx-trigger="load"][hx-get][hx-swap="outerHTML"]')) {
      const near = (a.getAttribute('hx-target') || '').match(/^closest (.+)$/);
      const target = near ? a.closest(near[1]) : !a.hasAttribute('hx-target') && a;
      if (!target) continue;
      a.removeAttribute('hx-trigger');
      get(new URL(a.getAttribute('hx-get'), ORIGIN)).then((html) => {
        const part = parse(html).querySelector(a.getAttribute('hx-select') || '*');
        if (!part || !target.isConnected) throw new Error('gone');
        target.replaceWith(part);
        if (htmx) htmx.process(part);
        arrived(part);
      }).catch(() => {
        a.setAttribute('hx-trigger', 'load');
        if (htmx) htmx.process(a);
      });
    }
  };

  const listen = (root) => {
    const hold = (e, replay) => {
      e.preventDefault();
      e.stopImmediatePropagation();
      held.push(replay);
      wake();
    };
    // Content htmx just swapped in is inert until it settles (some 20 ms): a press then would be a plain post.
    const fresh = (el) => {
      const added = htmx && el.closest(VERBS) && el.closest('.' + htmx.config.addedClass);
      if (!added) return false;
      added.classList.remove(htmx.config.addedClass);
      htmx.process(added);
      return true;
    };
    root.addEventListener('click', (e) => {
      const c = e.target.closest('a[href],button,input[type=submit],input[type=image]');
      if (htmx === null && c && c.closest(VERBS)) return hold(e, () => c.click());
      if (c && fresh(c)) {
        e.preventDefault();
        e.stopImmediatePropagation();
        return c.click();
      }
      const pick = e.target.closest('a.sk-variant-picker__choice[hx-get]');
      if (pick) picks.set(root, pick.dataset.skVariant);
      const el = e.target.closest('[data-sk-event]');
      if (el) track(el.getAttribute('data-sk-event'), el);
    }, true);
    root.addEventListener('submit', (e) => {
      const form = e.target;
      const by = e.submitter;
      const again = () => form.requestSubmit(by && by.form === form ? by : null);
      if (htmx === null && form.closest(VERBS)) hold(e, again);
      else if (fresh(form)) {
        e.preventDefault();
        e.stopImmediatePropagation();
        setTimeout(again); // not from inside this submit: the browser would ignore it
      }
    }, true);
    root.addEventListener('change', (e) => {
      const el = e.target;
      if (htmx === null && el.closest(VERBS)) {
        held.push(() => htmx && el.dispatchEvent(new Event('change', { bubbles: true })));
        wake();
      }
    }, true);
    root.addEventListener('toggle', (e) => { // popovers' toggle does not bubble: heard on the way down
      const box = e.target;
      if (e.newState !== 'closed' || !box.matches('.sk-lookbook__quick-view')) return;
      const opener = root.getElementById(box.dataset.skOpener || '');
      if (opener) opener.focus();
    }, true);
    for (const type of ['focusin', 'pointerdown', 'keydown', 'touchstart']) {
      root.addEventListener(type, wake, { capture: true, passive: true });
    }
  };

  const shadow = (el) => {
    if (el.shadowRoot) return el.shadowRoot;
    try {
      return el.attachShadow({ mode: 'open' });
    } catch (e) { // an element that cannot host a shadow root (say, <li>): mount inside it
      const box = document.createElement('div');
      el.replaceChildren(box);
      return box.attachShadow({ mode: 'open' });
    }
  };

  const status = (className, text) => {
    const p = Object.assign(document.createElement('p'), { className, textContent: text });
    p.setAttribute('role', 'status');
    return p;
  };

  const fail = (el) => {
    const root = shadow(el);
    adopt(root, [HOST_CSS]);
    root.replaceChildren(status('sk-embed-error', 'Sorry, this part of the page could not be loaded.'));
    el.setAttribute('data-stallkit-state', 'error');
  };

  // A painted root, ours or one the brand's server rendered (declarative shadow DOM): listened to and enhanced.
  const enhance = (el, root) => {
    if (!roots.has(root)) listen(root);
    roots.add(root);
    el.setAttribute('data-stallkit-state', 'ready');
    early(root);
    if (htmx) htmx.process(root);
    else if (window.htmx) wake(); // the page brought its own: nothing to wait for
    arrived(root);
  };

  const load = async (el) => {
    const d = el.dataset;
    const name = d.stallkit;
    const key = d.key || me.dataset.key;
    if (!/^[a-z][a-z-]{0,40}$/.test(name || '') || !key) return fail(el);
    if (el.shadowRoot && el.hasAttribute('data-stallkit-rendered')) { // the brand's server painted it: no second paint
      el.setAttribute('data-stallkit-key', key);
      adopt(el.shadowRoot, [HOST_CSS]);
      el.shadowRoot.append(status('sk-live', ''));
      return enhance(el, el.shadowRoot);
    }
    el.setAttribute('data-stallkit-state', 'loading');
    el.setAttribute('aria-busy', 'true');
    const q = new URLSearchParams();
    for (const p of ['product', 'variant', 'lookbook']) if (d[p]) q.set(p, d[p]);
    const chosen = d.product && new URLSearchParams(location.search).get('variant'); // kept by a reload or a link
    if (/^(mini-cart|checkout)$/.test(name)) q.set('cart', cart(key) || '');
    q.set('key', key);
    try {
      const url = ORIGIN + '/v1/components/' + name + '?';
      // The address's variant first; one of another product on the page (or a stale one) falls back to the page's.
      const first = chosen && get(url + new URLSearchParams([...q, ['variant', chosen]])).catch(() => '');
      const content = parse((await first) || (await get(url + q)));
      const part = content.querySelector('.sk-root');
      const theme = (part && (part.className.match(/\bsk-theme-([a-z0-9-]+)/) || [])[1]) || d.theme;
      const text = await themeCss(theme);
      el.setAttribute('data-stallkit-key', key);
      const root = shadow(el);
      adopt(root, [HOST_CSS, text]);
      root.replaceChildren(content, status('sk-live', '')); // the live region outlives every swap inside the root
      enhance(el, root);
    } catch (e) {
      fail(el);
    } finally {
      el.removeAttribute('aria-busy');
    }
  };

  const scan = () => {
    for (const el of document.querySelectorAll('[data-stallkit]:not([data-stallkit-state])')) load(el);
  };

  // htmx's events are composed: they reach the document from inside any mount.
  // The lookbook's quick view (a popover): opened when a card arrives, with focus on its title; after a
  // swatch swaps the card, focus on the chosen swatch. Here, not in hx-on: a page's CSP may forbid eval.
  const quickView = (e) => {
    const d = e.detail;
    const box = e.composedPath()[0].closest('.sk-lookbook__quick-view');
    if (!box) return;
    const by = d.requestConfig.elt;
    if (d.target.matches('.sk-lookbook__detail')) {
      box.dataset.skOpener = by.id;
      if (!box.matches(':popover-open')) box.showPopover();
      const title = box.querySelector('.sk-quick-view__title');
      if (title) title.focus();
    } else if (by.matches('.sk-quick-view__swatch')) {
      const swatch = box.querySelector('.sk-quick-view__swatch[aria-current]');
      if (swatch) swatch.focus();
    }
  };
  document.addEventListener('htmx:afterSwap', (e) => {
    arrived(e.composedPath()[0]);
    quickView(e);
  });
  // After a variant swap: focus back on the chosen link, the choice in the address, and a few words said.
  document.addEventListener('htmx:afterSettle', () => {
    for (const root of roots) {
      const sku = picks.get(root);
      const link = sku && [...root.querySelectorAll('a.sk-variant-picker__choice[aria-current]')]
        .find((a) => a.dataset.skVariant === sku);
      if (!link) continue;
      picks.delete(root);
      link.focus();
      const live = root.querySelector('.sk-live');
      if (live) live.textContent = link.dataset.skAnnounce || '';
      const here = new URL(location.href);
      here.searchParams.set('variant', sku);
      history.replaceState(history.state, '', here);
    }
  });
  // A refusal htmx does not swap in (429 from a rate limit, a server error, no network) is said in
  // words beside the form that asked and in the mount's live region: never a click that does nothing.
  const refused = (e, text) => {
    const elt = e.composedPath()[0];
    const root = elt.getRootNode();
    if (!roots.has(root)) return;
    const form = elt.closest('form') || elt.parentElement;
    let note = form && form.querySelector(':scope > .sk-refusal');
    if (form && !note) {
      note = document.createElement('p');
      note.className = 'sk-refusal sk-field__error';
      note.setAttribute('role', 'alert');
      form.append(note);
    }
    if (note) note.textContent = text;
    else { const live = root.querySelector('.sk-live'); if (live) live.textContent = text; }
  };
  document.addEventListener('htmx:responseError', (e) => {
    const xhr = e.detail.xhr;
    const wait = Number(xhr.getResponseHeader('Retry-After')) || 0;
    const later = wait ? `in ${wait} second${wait === 1 ? '' : 's'}` : 'in a moment';
    refused(e, xhr.status === 429 ? `Too many tries from here. Please try again ${later}.`
      : 'That did not go through. Please try again.');
  });
  document.addEventListener('htmx:sendError', (e) => refused(e, 'No connection. Please try again when you are back online.'));
  document.addEventListener('htmx:beforeRequest', (e) => { // a new try clears the last refusal
    const form = e.composedPath()[0].closest && e.composedPath()[0].closest('form');
    const note = form && form.querySelector(':scope > .sk-refusal');
    if (note) note.remove();
  });
  document.addEventListener('htmx:configRequest', (e) => {
    const p = e.detail.parameters;
    if (p.cart !== undefined) p.cart = cart(attr(e.detail.elt, 'stallkit-key')) || p.cart;
  });
  addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && flush());

  window.stallkit = { scan, flush, roots: () => [...roots] };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
  else scan();
})();
