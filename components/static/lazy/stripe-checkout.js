/*! Stallkit card payments. embed.js loads this only when a checkout reaches its card payment step
 * ([data-sk-stripe], which carries the publishable key and the PaymentIntent's client secret), so no
 * product page ever pays for it. It loads Stripe.js, mounts the Payment Element there, and on "Pay"
 * confirms in the browser first; only then is the checkout's own form posted, and our server asks
 * Stripe what happened (it never takes the browser's word). It needs Stripe's servers, so it is not
 * run by the offline tests: keep it this small. */
(() => {
  'use strict';
  const mounted = new WeakMap(); // mount point -> { stripe, elements }
  let stripeJs = null;

  const mount = () => {
    const points = [...document.querySelectorAll('.sk-root [data-sk-stripe]')].filter((el) => !mounted.has(el));
    if (!points.length) return;
    stripeJs = stripeJs || new Promise((done, fail) => {
      if (window.Stripe) return done(window.Stripe);
      const s = document.createElement('script');
      s.src = 'https://js.stripe.com/v3/';
      s.onload = () => done(window.Stripe);
      s.onerror = fail;
      document.head.appendChild(s);
    });
    stripeJs.then((Stripe) => {
      for (const el of points) {
        if (mounted.has(el)) continue;
        const stripe = Stripe(el.dataset.skStripeKey);
        const elements = stripe.elements({ clientSecret: el.dataset.skClientSecret });
        elements.create('payment').mount(el);
        mounted.set(el, { stripe, elements });
      }
    }).catch(() => {
      for (const el of points) el.textContent = 'Card payments could not be loaded. Please try again later.';
    });
  };

  // Capture phase, ahead of htmx: hold the form back until Stripe has confirmed the payment.
  document.addEventListener('submit', async (e) => {
    const form = e.target;
    const el = form.querySelector && form.querySelector('[data-sk-stripe]');
    const m = el && mounted.get(el);
    if (!m || form.dataset.skConfirmed) return;
    e.preventDefault();
    e.stopPropagation();
    const { error } = await m.stripe.confirmPayment({
      elements: m.elements,
      redirect: 'if_required',
      confirmParams: { return_url: location.href },
    });
    if (error) {
      let p = form.querySelector('.sk-field__error');
      if (!p) {
        p = document.createElement('p');
        p.className = 'sk-field__error';
        p.setAttribute('role', 'alert');
        el.after(p);
      }
      p.textContent = error.message || 'The payment did not go through.';
      return;
    }
    form.dataset.skConfirmed = '1';
    form.requestSubmit();
  }, true);

  document.addEventListener('htmx:afterSwap', mount);
  mount();
})();
