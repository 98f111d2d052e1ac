// QPay checkout widget: a dependency-free ES module. A marketplace frontend embeds it with
//   import { mountCheckout } from "https://<app>/checkout/widget.js";
//   mountCheckout(element, { sessionId, token, baseUrl: "https://<app>", lang: "mn" | "en" });
// Everything it shows comes from GET /payments/qpay/status, so a reload redraws the same screen.
// It waits for changes with waitSec/known (live status); when the answer comes back at once with the
// same status (a route without live status) or fails, it falls back to polling every 3 s, and a 429
// or 5xx waits for its Retry-After.

const POLL_MS = 3000;
const WAIT_SEC = 25;
const END_STATES = new Set(["PROCESSED", "EXPIRED", "CANCELLED", "FAILED", "REFUND_PENDING", "REFUNDED"]);

const TEXT = {
  mn: {
    title: "QPay төлбөр",
    amount: "Төлөх дүн",
    scan: "QR кодыг банкны аппаараа уншуулна уу",
    qrAlt: "QPay төлбөрийн QR код",
    banks: "Банкны апп-аар төлөх",
    shortUrl: "Төлбөрийн холбоос",
    timeLeft: "Үлдсэн хугацаа",
    cancel: "Төлбөр цуцлах",
    cancelling: "Цуцалж байна…",
    restart: "Дахин эхлэх",
    loading: "Ачаалж байна…",
    orders: "Захиалгын дугаар",
    receipt: "И-баримт",
    receiptId: "ДДТД",
    receiptPending: "И-баримт бэлтгэж байна…",
    receiptFailed: "И-баримт гаргаж чадсангүй",
    status: {
      PENDING: "Төлбөр хүлээж байна",
      PAID: "Төлбөр орлоо, захиалга үүсгэж байна…",
      PROCESSED: "Төлбөр амжилттай. Баярлалаа!",
      EXPIRED: "Төлбөрийн хугацаа дууслаа",
      CANCELLED: "Төлбөр цуцлагдсан",
      FAILED: "Төлбөр амжилтгүй боллоо",
      REFUND_PENDING: "Буцаалт хийгдэж байна",
      REFUNDED: "Төлбөр буцаагдсан",
    },
    errors: {
      auth: "Нэвтрэх шаардлагатай. Дахин нэвтэрнэ үү.",
      notFound: "Төлбөр олдсонгүй.",
      network: "Холболт тасарлаа, дахин оролдож байна…",
      cancel: "Цуцалж чадсангүй. Дахин оролдоно уу.",
      noSession: "sessionId алга байна.",
    },
  },
  en: {
    title: "Pay with QPay",
    amount: "Amount due",
    scan: "Scan the QR code with your bank app",
    qrAlt: "QPay payment QR code",
    banks: "Pay in a bank app",
    shortUrl: "Payment link",
    timeLeft: "Time left",
    cancel: "Cancel payment",
    cancelling: "Cancelling…",
    restart: "Start again",
    loading: "Loading…",
    orders: "Order numbers",
    receipt: "E-receipt",
    receiptId: "Receipt id",
    receiptPending: "Preparing the e-receipt…",
    receiptFailed: "The e-receipt could not be issued",
    status: {
      PENDING: "Waiting for your payment",
      PAID: "Payment received, creating your orders…",
      PROCESSED: "Payment complete. Thank you!",
      EXPIRED: "The payment time ran out",
      CANCELLED: "The payment was cancelled",
      FAILED: "The payment failed",
      REFUND_PENDING: "A refund is under way",
      REFUNDED: "The payment was refunded",
    },
    errors: {
      auth: "Please sign in again.",
      notFound: "This payment was not found.",
      network: "Connection lost, trying again…",
      cancel: "The payment could not be cancelled. Try again.",
      noSession: "No sessionId was given.",
    },
  },
};

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
});

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

/** Seconds of Retry-After (a number of seconds or an HTTP date), else the polling pace. */
export function retryDelayMs(response) {
  const header = response?.headers?.get("Retry-After");
  if (!header) return POLL_MS;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(1000, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(1000, date - Date.now()) : POLL_MS;
}

/**
 * Mounts the checkout into `root`. Options: sessionId (required), token (a bearer JWT; else the
 * access_token cookie of baseUrl's origin is sent), baseUrl (the app; default this page's origin),
 * lang ("mn", the default, or "en"), restartUrl (where "Start again" goes; default history.back()),
 * onEnd(status) (called once at an end state). Returns { destroy() }.
 */
export function mountCheckout(root, options = {}) {
  const lang = TEXT[options.lang] ? options.lang : "mn";
  const t = TEXT[lang];
  const base = (options.baseUrl ?? "").replace(/\/+$/, "");
  const sessionId = options.sessionId;
  const stop = new AbortController();
  const money = new Intl.NumberFormat(lang === "mn" ? "mn-MN" : "en-US", { style: "currency", currency: "MNT", maximumFractionDigits: 2 });
  let last = null;
  let expiresAt = null;
  let ended = false;
  let countdownTimer = null;

  root.classList.add("qpay-checkout");
  root.setAttribute("lang", lang);
  const heading = element("h2", { class: "qpay-title", text: t.title, tabindex: "-1" });
  const live = element("p", { class: "qpay-status", role: "status", "aria-live": "polite", "data-qpay": "status", text: t.loading });
  const alert = element("p", { class: "qpay-alert", role: "alert", "data-qpay": "alert" });
  const body = element("div", { class: "qpay-body" });
  root.replaceChildren(heading, live, alert, body);

  if (!sessionId) {
    show("FAILED", t.errors.noSession);
    return { destroy() {} };
  }

  function headers(extra = {}) {
    const values = { Accept: "application/json", ...extra };
    if (options.token) values.Authorization = `Bearer ${options.token}`;
    return values;
  }

  function request(method, path, json) {
    return fetch(base + path, {
      method,
      credentials: "include",
      headers: headers(json ? { "Content-Type": "application/json" } : {}),
      body: json ? JSON.stringify(json) : undefined,
      signal: stop.signal,
    });
  }

  function show(status, message) {
    root.dataset.status = status;
    live.textContent = message ?? t.status[status] ?? status;
  }

  function renderCountdown() {
    const node = root.querySelector("[data-qpay=countdown]");
    if (!node || expiresAt === null) return;
    const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    node.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    node.setAttribute("datetime", `PT${left}S`);
    if (left === 0 && !ended && root.dataset.status === "PENDING") {
      // Time is up on screen; the live loop keeps asking, so a late payment the server accepts still shows.
      renderEnd({ ...last, status: "EXPIRED" });
    }
  }

  function renderPending(answer) {
    const invoice = answer.invoice;
    const parts = [
      element("p", { class: "qpay-amount" },
        element("span", { class: "qpay-label", text: t.amount }),
        element("strong", { "data-qpay": "amount", text: money.format(answer.expectedAmount) })),
      element("p", { class: "qpay-countdown" },
        element("span", { class: "qpay-label", id: "qpay-time-left", text: t.timeLeft }),
        element("time", { "data-qpay": "countdown", "aria-labelledby": "qpay-time-left" })),
    ];
    if (invoice?.qrImage) {
      parts.push(element("figure", { class: "qpay-qr" },
        element("img", { src: `data:image/png;base64,${invoice.qrImage}`, alt: t.qrAlt, "data-qpay": "qr", width: 240, height: 240 }),
        element("figcaption", { text: t.scan })));
    }
    if (invoice?.deeplinks?.length) {
      parts.push(element("h3", { class: "qpay-subtitle", id: "qpay-banks", text: t.banks }),
        element("ul", { class: "qpay-banks", "aria-labelledby": "qpay-banks", "data-qpay": "banks" },
          invoice.deeplinks.map((bank) => element("li", {},
            element("a", { class: "qpay-bank", href: bank.link, rel: "noopener" },
              bank.logo ? element("img", { src: bank.logo, alt: "", width: 40, height: 40, loading: "lazy" }) : null,
              element("span", { text: bank.description || bank.name }))))));
    }
    if (invoice?.shortUrl) {
      parts.push(element("p", { class: "qpay-short" },
        element("span", { class: "qpay-label", text: t.shortUrl }),
        element("a", { href: invoice.shortUrl, rel: "noopener", "data-qpay": "short-url", text: invoice.shortUrl })));
    }
    parts.push(element("button", { type: "button", class: "qpay-button qpay-cancel", "data-qpay": "cancel", text: t.cancel, onclick: cancel }));
    body.replaceChildren(...parts);
    renderCountdown();
    clearInterval(countdownTimer);
    countdownTimer = setInterval(renderCountdown, 1000);
  }

  function renderReceipt(receipt) {
    if (!receipt) return null;
    const state = receipt.status === "REGISTERED" ? null : receipt.status === "FAILED" ? t.receiptFailed : t.receiptPending;
    return element("section", { class: "qpay-receipt", "aria-labelledby": "qpay-receipt", "data-qpay": "receipt" },
      element("h3", { class: "qpay-subtitle", id: "qpay-receipt", text: t.receipt }),
      state ? element("p", { text: state }) : element("p", {},
        element("span", { class: "qpay-label", text: t.receiptId }),
        element("strong", { "data-qpay": "receipt-id", text: receipt.receiptId ?? "" })),
      receipt.amount != null ? element("p", { text: money.format(receipt.amount) }) : null);
  }

  function renderEnd(answer) {
    clearInterval(countdownTimer);
    const parts = [];
    if (answer.status === "PROCESSED" && answer.orderIds?.length) {
      parts.push(element("h3", { class: "qpay-subtitle", id: "qpay-orders", text: t.orders }),
        element("ul", { class: "qpay-orders", "aria-labelledby": "qpay-orders", "data-qpay": "orders" },
          answer.orderIds.map((id) => element("li", { text: id }))));
    }
    parts.push(renderReceipt(answer.ebarimt));
    if (answer.status === "EXPIRED" || answer.status === "CANCELLED" || answer.status === "FAILED") {
      parts.push(element("button", {
        type: "button", class: "qpay-button", "data-qpay": "restart", text: t.restart,
        onclick: () => (options.restartUrl ? location.assign(options.restartUrl) : history.back()),
      }));
    }
    body.replaceChildren(...parts.filter(Boolean));
    const first = root.dataset.status !== answer.status;
    show(answer.status);
    if (first) heading.focus();
  }

  function render(answer) {
    last = answer;
    alert.textContent = "";
    if (answer.expiresAt) expiresAt = Date.parse(answer.expiresAt);
    if (answer.status === "PENDING") {
      show("PENDING");
      renderPending(answer);
      return;
    }
    if (answer.status === "PAID") {
      clearInterval(countdownTimer);
      body.replaceChildren();
      show("PAID");
      return;
    }
    renderEnd(answer);
    if (END_STATES.has(answer.status) && !ended) {
      ended = true;
      options.onEnd?.(answer.status);
    }
  }

  async function cancel(event) {
    const button = event.currentTarget;
    button.disabled = true;
    button.textContent = t.cancelling;
    try {
      const response = await request("POST", "/payments/qpay/cancel", { sessionId });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(answer.error ?? String(response.status));
      render({ ...last, ...answer, invoice: undefined });
    } catch (error) {
      if (stop.signal.aborted) return;
      alert.textContent = t.errors.cancel;
      button.disabled = false;
      button.textContent = t.cancel;
    }
  }

  // Once PROCESSED, a few more asks for the e-receipt, which the receipt queue issues a little later.
  const receiptSettled = (answer) => !answer.ebarimt || answer.ebarimt.status === "REGISTERED" || answer.ebarimt.status === "FAILED"
    || answer.ebarimt.status === "SKIPPED";

  async function watch() {
    let known = null;
    let receiptAsks = 0;
    while (!stop.signal.aborted) {
      const started = Date.now();
      const query = `sessionId=${encodeURIComponent(sessionId)}&waitSec=${WAIT_SEC}` + (known ? `&known=${known}` : "");
      let response;
      try {
        response = await request("GET", `/payments/qpay/status?${query}`);
      } catch (error) {
        if (stop.signal.aborted) return;
        alert.textContent = t.errors.network;
        await sleep(POLL_MS, stop.signal);
        continue;
      }
      if (response.status === 401) { show("FAILED", t.errors.auth); return; }
      if (response.status === 404) { show("FAILED", t.errors.notFound); return; }
      if (!response.ok) {
        await sleep(retryDelayMs(response), stop.signal);
        continue;
      }
      const answer = await response.json();
      const changed = answer.status !== known;
      known = answer.status;
      if (changed || answer.status === "PENDING" || !ended || answer.ebarimt) render(answer);
      if (END_STATES.has(answer.status) && (receiptSettled(answer) || ++receiptAsks > 5)) return;
      // A route without live status answers at once with the same status: then poll at the 3 s pace.
      if (!changed && Date.now() - started < 1000) await sleep(POLL_MS, stop.signal);
    }
  }

  watch();
  return {
    destroy() {
      stop.abort();
      clearInterval(countdownTimer);
      root.replaceChildren();
    },
  };
}
