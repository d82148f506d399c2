/*! Stallkit embed loader: <script src="https://API/embed.js" async></script>, then placeholders like
 * <div data-stallkit="product-page" data-product="noa-micro-bag" data-key="pk_..."></div>
 * (also data-variant, data-lookbook; data-theme if the fragment names none). No cookies; localStorage
 * holds the cart id. */
(() => {
  'use strict';
  const me = document.currentScript || document.querySelector('script[src$="/embed.js"]');
  if (!me || window.stallkit) return;
  const ORIGIN = new URL(me.src, location.href).origin;
  const HTMX = ORIGIN + '/static/components/htmx-2.0.11.min.js';
  const css = {};
  const seen = new WeakSet();
  const queue = {}; // publishable key -> events not yet sent
  let htmxReady = null;
  let timer = 0;

  const attr = (el, name) => {
    const hit = el && el.closest('[data-' + name + ']');
    return hit ? hit.getAttribute('data-' + name) : undefined;
  };

  // Theme CSS, linked once per theme; resolves when loaded (or failed: the fragment is still readable).
  const ensureCss = (theme) => {
    if (!/^[a-z0-9-]{1,64}$/.test(theme || '')) return Promise.resolve();
    const href = ORIGIN + '/static/themes/' + theme + '.css';
    if (!css[href]) {
      css[href] = new Promise((done) => {
        if ([...document.querySelectorAll('link[rel=stylesheet]')].some((l) => l.href === href)) return done();
        const link = document.createElement('link');
        link.rel = 'stylesheet';
        link.href = href;
        link.onload = link.onerror = () => done();
        document.head.appendChild(link);
      });
    }
    return css[href];
  };

  // The page's htmx if it is version 2; else ours, without taking over the page's global.
  const ensureHtmx = () => {
    htmxReady = htmxReady || new Promise((done, fail) => {
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
    }).then((htmx) => {
      // htmx 2 refuses other origins by default: allow ours (and still the page's own) only.
      if (htmx.config.selfRequestsOnly) {
        htmx.config.selfRequestsOnly = false;
        document.addEventListener('htmx:validateUrl', (e) => {
          if (!e.detail.sameHost && e.detail.url.origin !== ORIGIN) e.preventDefault();
        });
      }
      return htmx;
    });
    return htmxReady;
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
      method: attr(el, 'sk-method'),
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
  const arrived = (scope, el = scope) => {
    for (const root of scope.querySelectorAll('.sk-root')) {
      if (!seen.has(root)) {
        seen.add(root);
        track('impression', root);
      }
    }
    const c = el.closest?.('[data-sk-cart]') || el.querySelector('[data-sk-cart]');
    if (c) cart(attr(c, 'stallkit-key'), c.dataset.skCart);
    if (!stripe && scope.querySelector('[data-sk-stripe]')) {
      stripe = document.createElement('script');
      stripe.src = ORIGIN + '/static/components/stripe-checkout.js';
      document.head.appendChild(stripe);
    }
  };

  const fail = (el) => {
    const p = document.createElement('p');
    p.setAttribute('role', 'status');
    p.className = 'sk-embed-error';
    p.textContent = 'Sorry, this part of the page could not be loaded.';
    el.replaceChildren(p);
    el.setAttribute('data-stallkit-state', 'error');
  };

  const load = async (el) => {
    const d = el.dataset;
    const name = d.stallkit;
    const key = d.key || me.dataset.key;
    if (!/^[a-z][a-z-]{0,40}$/.test(name || '') || !key) return fail(el);
    el.setAttribute('data-stallkit-state', 'loading');
    el.setAttribute('aria-busy', 'true');
    const q = new URLSearchParams();
    for (const p of ['product', 'variant', 'lookbook']) if (d[p]) q.set(p, d[p]);
    if (/^(mini-cart|checkout)$/.test(name)) q.set('cart', cart(key) || '');
    q.set('key', key);
    try {
      const [res, htmx] = await Promise.all([
        fetch(ORIGIN + '/v1/components/' + name + '?' + q, { mode: 'cors', credentials: 'omit' }),
        ensureHtmx().catch(() => null), // without htmx every link still works as a plain link
      ]);
      if (!res.ok) throw new Error(res.status);
      const tpl = document.createElement('template');
      tpl.innerHTML = await res.text();
      const root = tpl.content.querySelector('.sk-root');
      const theme = (root && (root.className.match(/\bsk-theme-([a-z0-9-]+)/) || [])[1]) || d.theme;
      await ensureCss(theme);
      el.setAttribute('data-stallkit-key', key);
      el.replaceChildren(tpl.content);
      el.setAttribute('data-stallkit-state', 'ready');
      if (htmx) htmx.process(el);
      arrived(el);
    } catch (e) {
      fail(el);
    } finally {
      el.removeAttribute('aria-busy');
    }
  };

  const scan = () => {
    for (const el of document.querySelectorAll('[data-stallkit]:not([data-stallkit-state])')) load(el);
  };

  document.addEventListener('click', (e) => {
    const el = e.target.closest && e.target.closest('.sk-root [data-sk-event]');
    if (el) track(el.getAttribute('data-sk-event'), el);
  }, true);
  document.addEventListener('htmx:afterSwap', (e) => arrived(document, e.target));
  document.addEventListener('htmx:configRequest', (e) => {
    const p = e.detail.parameters;
    if (p.cart !== undefined) p.cart = cart(attr(e.detail.elt, 'stallkit-key')) || p.cart;
  });
  addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && flush());

  window.stallkit = { scan, flush };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
  else scan();
})();
