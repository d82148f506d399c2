/*! Stallkit card payments. embed.js loads this only when a checkout reaches its card payment step
 * ([data-sk-stripe], which carries the publishable key and the PaymentIntent's client secret), so no
 * product page ever pays for it. It loads Stripe.js, mounts the Payment Element there, and on "Pay"
 * confirms in the browser first; only then is the checkout's own form posted, and our server asks
 * Stripe what happened (it never takes the browser's word). It needs Stripe's servers, so it is not
 * run by the offline tests: keep it this small. Components live in shadow roots (embed.js lists
 * them), where a submit event never reaches the document: each root gets its own listener. */
(() => {
  'use strict';
  const mounted = new WeakMap(); // mount point -> { stripe, elements }
  const heard = new WeakSet(); // roots with our submit listener
  let stripeJs = null;

  const mount = () => {
    const roots = window.stallkit && window.stallkit.roots ? window.stallkit.roots() : [document];
    for (const root of roots) {
      if (!heard.has(root)) root.addEventListener('submit', onSubmit, true);
      heard.add(root);
    }
    const points = roots.flatMap((root) => [...root.querySelectorAll('.sk-root [data-sk-stripe]')])
      .filter((el) => !mounted.has(el));
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
  const onSubmit = async (e) => {
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
  };

  document.addEventListener('htmx:afterSwap', mount);
  mount();
})();
