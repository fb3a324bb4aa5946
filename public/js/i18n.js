// The demo storefront's two languages: Traditional Chinese (default) and English.

const LANG_KEY = 'mypay-edge.lang';

const zh = {
  'site.title': '茶點小舖',
  'site.tagline': 'mypay-edge 示範商店 · 沙盒環境，不會真的扣款',
  'lang.switch': 'English',
  'lang.switchLabel': 'Switch to English',
  'nav.shop': '商店',
  'nav.skip': '跳到主要內容',
  'nav.cart': '購物車',
  'products.title': '商品',
  'products.loading': '商品載入中…',
  'products.error': '無法載入商品：{message}',
  'products.empty': '目前沒有商品。',
  'products.add': '加入購物車',
  'products.addLabel': '將「{name}」加入購物車',
  'products.added': '已將「{name}」加入購物車',
  'cart.title': '購物車',
  'cart.empty': '購物車是空的，先挑幾樣商品吧。',
  'cart.quantity': '「{name}」數量',
  'cart.remove': '移除',
  'cart.removeLabel': '從購物車移除「{name}」',
  'cart.count': '購物車（{count}）',
  'voucher.title': '票券',
  'voucher.label': '票券代碼',
  'voucher.hint': '有償票券（購買取得）與無償票券（贈送）皆可使用，可輸入多張。',
  'voucher.apply': '套用',
  'voucher.remove': '移除',
  'voucher.removeLabel': '移除票券 {code}',
  'voucher.already': '票券 {code} 已在清單中。',
  'voucher.applied': '已套用',
  'voucher.notApplied': '未套用',
  'voucher.paid': '有償票券',
  'voucher.free': '無償票券',
  'voucher.checking': '檢查中…',
  'reason.voucher_not_found': '查無此票券代碼。',
  'reason.voucher_used': '此票券已經使用過。',
  'reason.voucher_reserved': '此票券正被另一筆尚未完成的訂單保留。',
  'reason.voucher_expired': '此票券已過期。',
  'reason.voucher_duplicate': '同一張票券輸入了兩次。',
  'reason.voucher_min_spend': '尚未達到此票券的最低消費金額。',
  'reason.voucher_exceeds_total': '折抵金額超過訂單金額，這張票券用不上。',
  'summary.title': '金額明細',
  'summary.updating': '金額計算中…',
  'summary.subtotal': '小計',
  'summary.voucherTotal': '票券折抵合計',
  'summary.amountDue': '應付金額',
  'summary.error': '無法計算金額：{message}',
  'checkout.title': '結帳',
  'checkout.customer': '訂購人',
  'checkout.name': '姓名',
  'checkout.email': '電子郵件',
  'checkout.phone': '手機號碼',
  'checkout.phoneHint': '例如 0912345678',
  'checkout.method': '付款方式',
  'checkout.method.any': '由付款頁選擇',
  'checkout.method.CREDITCARD': '信用卡',
  'checkout.method.CSTORECODE': '超商代碼繳費',
  'checkout.method.E_COLLECTION': 'ATM 虛擬帳號轉帳',
  'checkout.method.LINEPAYON': 'LINE Pay',
  'checkout.method.JKOON': '街口支付',
  'checkout.walletHint': '電子錢包付款需要以下資料。',
  'checkout.realName': '真實姓名',
  'checkout.englishName': '英文姓名',
  'checkout.countryCode': '手機國碼',
  'checkout.installments': '信用卡分期：{counts} 期',
  'checkout.invoice.natural_person': '自然人憑證條碼載具',
  'checkout.naturalPerson': '自然人憑證條碼',
  'checkout.naturalPersonHint': '2 個大寫英文字母加 14 位數字，例如 AB12345678901234',
  'invalid.naturalPerson': '自然人憑證條碼為 2 個大寫英文字母加 14 位數字。',
  'checkout.invoice': '電子發票',
  'checkout.invoice.email': '寄到電子郵件（會員載具）',
  'checkout.invoice.mobile': '手機條碼載具',
  'checkout.invoice.donation': '捐贈發票',
  'checkout.invoice.tax_id': '公司統一編號（三聯式）',
  'checkout.mobileCode': '手機條碼',
  'checkout.mobileCodeHint': '斜線開頭共 8 碼，例如 /ABC+123',
  'checkout.loveCode': '捐贈碼（愛心碼）',
  'checkout.loveCodeHint': '3 到 7 位數字，例如 168001',
  'checkout.taxId': '統一編號',
  'checkout.taxIdHint': '8 位數字',
  'checkout.taxTitle': '公司抬頭（僅供本店記錄，不印在電子發票上）',
  'checkout.submit': '前往付款 {amount}',
  'checkout.submitPlain': '前往付款',
  'checkout.busy': '建立訂單中…',
  'checkout.redirecting': '訂單已建立，正在前往付款頁…',
  'checkout.emptyCart': '購物車是空的。',
  'checkout.turnstile': '請先完成上方的人機驗證。',
  'checkout.turnstileUnavailable': '人機驗證無法載入，請檢查網路後重新整理頁面。',
  'checkout.quotePending': '請等金額計算完成。',
  'invalid.mobileCode': '手機條碼格式為「/」加 7 個字元（0-9、A-Z、.、+、-）。',
  'invalid.loveCode': '捐贈碼為 3 到 7 位數字。',
  'invalid.taxId': '統一編號不正確（8 位數字且須通過檢查碼）。',
  'error.voucher_unavailable': '有票券無法使用，請查看上方說明後再試一次。',
  'error.network_error': '網路連線失敗，請檢查連線後再試一次。',
  'error.idempotency_key_reused': '訂單內容已變更，請再按一次結帳。',
  'error.idempotency_in_progress': '訂單仍在建立中，請稍候再按一次。',
  'error.upstream_error': '金流服務暫時無法處理，請稍後再試。',
  'error.upstream_unavailable': '金流服務暫時無法連線，請稍後再試。',
  'error.upstream_timeout': '金流服務回應逾時，請稍後再試。',
  'error.empty_cart': '購物車是空的。',
  'error.unknown_product': '購物車中有已下架的商品，請移除後再試。',
  'error.invalid_quantity': '數量須為 1 到 99 的整數。',
  'error.order_not_found': '找不到這筆訂單，或您沒有查看權限。',
  'error.invalid_request': '有欄位需要修正：',
  'error.generic': '發生錯誤：{message}',
  'orders.title': '我的訂單',
  'orders.hint': '只在這個瀏覽器中保存。',
  'order.title': '訂單 {id}',
  'order.heading': '訂單',
  'order.back': '← 回到商店',
  'order.noId': '網址中缺少訂單編號。',
  'order.noToken': '這個瀏覽器沒有這筆訂單的查看憑證。訂單只能在下單的瀏覽器查看。',
  'order.checking': '正在確認付款狀態…',
  'order.stopped': '已停止自動更新，請重新整理頁面。',
  'order.statusLabel': '訂單狀態',
  'order.receipt': '明細',
  'order.createdAt': '下單時間',
  'order.paidAt': '付款時間',
  'order.expiresAt': '付款期限',
  'order.payNow': '前往付款頁',
  'order.reorder': '用相同內容重新下單',
  'order.method': '付款方式',
  'order.refundedAmount': '已退款',
  'order.invoiceNumber': '發票號碼',
  'order.invoiceStatus': '發票狀態',
  'order.invoiceStatus.pending': '開立中',
  'order.invoiceStatus.issued': '已開立',
  'order.invoiceStatus.failed': '開立失敗',
  'order.invoiceStatus.voided': '已作廢',
  'order.invoiceStatus.allowance': '已折讓',
  'order.invoiceCarrier': '發票載具',
  'order.result': '金流回覆',
  'status.created': '等待付款',
  'status.pending': '等待繳費',
  'status.paid': '付款成功',
  'status.failed': '付款失敗',
  'status.expired': '已逾期',
  'status.refund_pending': '退款處理中',
  'status.refunded': '已退款',
  'status.needs_review': '人工確認中',
  'status.created.text': '訂單已建立，尚未收到付款。',
  'status.pending.text': '請在期限內使用下方的代碼完成繳費，付款後這裡會自動更新。',
  'status.paid.text': '感謝您的購買！我們已收到款項。',
  'status.failed.text': '這次付款沒有成功，所使用的票券已釋出，可以重新下單。',
  'status.expired.text': '超過付款期限，請重新下單。所使用的票券會在金流確認這筆訂單無法再付款後釋出（最長約一天）。',
  'status.refund_pending.text': '退款已送出，金流完成退款後這裡會自動更新。',
  'status.refunded.text': '這筆訂單已退款。',
  'status.needs_review.text': '已收到付款通知，但資料需要人工確認，我們會盡快與您聯絡。',
  'codes.title': '繳費資訊',
  'codes.store': '超商代碼',
  'codes.atm': 'ATM 轉帳帳號',
  'codes.type': '管道',
  'codes.PinCode': '繳費代碼',
  'codes.PinCode.atm': '虛擬帳號',
  'codes.BankCode': '銀行代碼',
  'codes.LimitDate': '繳費期限',
  'codes.BarCode1': '條碼一',
  'codes.BarCode2': '條碼二',
  'codes.BarCode3': '條碼三',
  'codes.BarcodeEndDate': '條碼繳費期限',
  'footer.note': '示範用商店。請勿輸入真實的卡號。',
};

const en = {
  'site.title': 'Tea & Treats',
  'site.tagline': 'mypay-edge demo shop · sandbox, no real charges',
  'lang.switch': '中文',
  'lang.switchLabel': '切換為中文',
  'nav.shop': 'Shop',
  'nav.skip': 'Skip to content',
  'nav.cart': 'Cart',
  'products.title': 'Products',
  'products.loading': 'Loading products…',
  'products.error': 'Could not load the products: {message}',
  'products.empty': 'No products yet.',
  'products.add': 'Add to cart',
  'products.addLabel': 'Add “{name}” to the cart',
  'products.added': 'Added “{name}” to the cart',
  'cart.title': 'Cart',
  'cart.empty': 'Your cart is empty: pick something first.',
  'cart.quantity': 'Quantity of “{name}”',
  'cart.remove': 'Remove',
  'cart.removeLabel': 'Remove “{name}” from the cart',
  'cart.count': 'Cart ({count})',
  'voucher.title': 'Vouchers',
  'voucher.label': 'Voucher code',
  'voucher.hint': 'Paid vouchers (bought) and free vouchers (gifts) both work; you can enter several.',
  'voucher.apply': 'Apply',
  'voucher.remove': 'Remove',
  'voucher.removeLabel': 'Remove voucher {code}',
  'voucher.already': 'Voucher {code} is already in the list.',
  'voucher.applied': 'Applied',
  'voucher.notApplied': 'Not applied',
  'voucher.paid': 'Paid voucher',
  'voucher.free': 'Free voucher',
  'voucher.checking': 'Checking…',
  'reason.voucher_not_found': 'No voucher has this code.',
  'reason.voucher_used': 'This voucher has already been used.',
  'reason.voucher_reserved': 'Another unfinished order is holding this voucher.',
  'reason.voucher_expired': 'This voucher has expired.',
  'reason.voucher_duplicate': 'The same voucher was entered twice.',
  'reason.voucher_min_spend': 'The order does not reach this voucher’s minimum spend.',
  'reason.voucher_exceeds_total': 'The vouchers would exceed the order total, so this one is not needed.',
  'summary.title': 'Price breakdown',
  'summary.updating': 'Updating the total…',
  'summary.subtotal': 'Subtotal',
  'summary.voucherTotal': 'Vouchers total',
  'summary.amountDue': 'Amount due',
  'summary.error': 'Could not price the cart: {message}',
  'checkout.title': 'Checkout',
  'checkout.customer': 'Customer',
  'checkout.name': 'Name',
  'checkout.email': 'E-mail',
  'checkout.phone': 'Mobile phone',
  'checkout.phoneHint': 'e.g. 0912345678',
  'checkout.method': 'Payment method',
  'checkout.method.any': 'Choose on the payment page',
  'checkout.method.CREDITCARD': 'Credit card',
  'checkout.method.CSTORECODE': 'Convenience-store code',
  'checkout.method.E_COLLECTION': 'ATM virtual account',
  'checkout.method.LINEPAYON': 'LINE Pay',
  'checkout.method.JKOON': 'JKO Pay',
  'checkout.walletHint': 'E-wallet payments need these details.',
  'checkout.realName': 'Legal name',
  'checkout.englishName': 'Name in English',
  'checkout.countryCode': 'Mobile country code',
  'checkout.installments': 'Card instalments: {counts} months',
  'checkout.invoice.natural_person': 'Citizen digital certificate carrier',
  'checkout.naturalPerson': 'Certificate barcode',
  'checkout.naturalPersonHint': '2 capital letters and 14 digits, e.g. AB12345678901234',
  'invalid.naturalPerson': 'A certificate barcode is 2 capital letters and 14 digits.',
  'checkout.invoice': 'E-invoice',
  'checkout.invoice.email': 'By e-mail (member carrier)',
  'checkout.invoice.mobile': 'Mobile barcode carrier',
  'checkout.invoice.donation': 'Donate the invoice',
  'checkout.invoice.tax_id': 'Company tax ID',
  'checkout.mobileCode': 'Mobile barcode',
  'checkout.mobileCodeHint': '8 characters starting with a slash, e.g. /ABC+123',
  'checkout.loveCode': 'Donation (love) code',
  'checkout.loveCodeHint': '3 to 7 digits, e.g. 168001',
  'checkout.taxId': 'Tax ID (統一編號)',
  'checkout.taxIdHint': '8 digits',
  'checkout.taxTitle': 'Company name (for our records; not printed on the e-invoice)',
  'checkout.submit': 'Pay {amount}',
  'checkout.submitPlain': 'Pay',
  'checkout.busy': 'Creating the order…',
  'checkout.redirecting': 'Order created; opening the payment page…',
  'checkout.emptyCart': 'The cart is empty.',
  'checkout.turnstile': 'Please complete the check above first.',
  'checkout.turnstileUnavailable': 'The check could not load; check your connection and reload the page.',
  'checkout.quotePending': 'Please wait for the total.',
  'invalid.mobileCode': 'A mobile barcode is “/” and 7 characters from 0-9, A-Z, “.”, “+”, “-”.',
  'invalid.loveCode': 'A love code is 3 to 7 digits.',
  'invalid.taxId': 'This tax ID is not valid (8 digits with a check digit).',
  'error.voucher_unavailable': 'A voucher cannot be used: see why above, then try again.',
  'error.network_error': 'Network error: check your connection and try again.',
  'error.idempotency_key_reused': 'The order changed: press checkout again.',
  'error.idempotency_in_progress': 'The order is still being created; wait a moment and press again.',
  'error.upstream_error': 'The payment service could not take the order; please try later.',
  'error.upstream_unavailable': 'The payment service is unreachable; please try later.',
  'error.upstream_timeout': 'The payment service did not answer in time; please try later.',
  'error.empty_cart': 'The cart is empty.',
  'error.unknown_product': 'The cart holds a product that is no longer sold; remove it and retry.',
  'error.invalid_quantity': 'Quantities must be whole numbers from 1 to 99.',
  'error.order_not_found': 'This order does not exist or you may not see it.',
  'error.invalid_request': 'Some fields need fixing:',
  'error.generic': 'Something went wrong: {message}',
  'orders.title': 'My orders',
  'orders.hint': 'Kept in this browser only.',
  'order.title': 'Order {id}',
  'order.heading': 'Order',
  'order.back': '← Back to the shop',
  'order.noId': 'The address has no order number.',
  'order.noToken': 'This browser has no access token for this order. An order can only be seen in the browser it was placed from.',
  'order.checking': 'Checking the payment…',
  'order.stopped': 'Stopped updating; reload the page.',
  'order.statusLabel': 'Order status',
  'order.receipt': 'Receipt',
  'order.createdAt': 'Ordered',
  'order.paidAt': 'Paid',
  'order.expiresAt': 'Pay by',
  'order.payNow': 'Open the payment page',
  'order.reorder': 'Order the same again',
  'order.method': 'Payment method',
  'order.refundedAmount': 'Refunded so far',
  'order.invoiceNumber': 'Invoice number',
  'order.invoiceStatus': 'Invoice status',
  'order.invoiceStatus.pending': 'Being issued',
  'order.invoiceStatus.issued': 'Issued',
  'order.invoiceStatus.failed': 'Not issued (failed)',
  'order.invoiceStatus.voided': 'Voided',
  'order.invoiceStatus.allowance': 'Allowance made',
  'order.invoiceCarrier': 'Invoice carrier',
  'order.result': 'Gateway result',
  'status.created': 'Awaiting payment',
  'status.pending': 'Waiting for your payment',
  'status.paid': 'Paid',
  'status.failed': 'Payment failed',
  'status.expired': 'Expired',
  'status.refund_pending': 'Refund in progress',
  'status.refunded': 'Refunded',
  'status.needs_review': 'Under review',
  'status.created.text': 'The order exists; no payment has arrived yet.',
  'status.pending.text': 'Pay with the code below before the deadline; this page updates by itself.',
  'status.paid.text': 'Thank you! We have received your payment.',
  'status.failed.text': 'The payment did not go through. Its vouchers were released; you can order again.',
  'status.expired.text': 'The time to pay ran out; please order again. Its vouchers come back once the payment gateway confirms the order can no longer be paid (within about a day).',
  'status.refund_pending.text': 'The refund is on its way; this page updates when the gateway completes it.',
  'status.refunded.text': 'This order has been refunded.',
  'status.needs_review.text': 'A payment arrived but its details need a human check; we will contact you.',
  'codes.title': 'How to pay',
  'codes.store': 'Convenience-store code',
  'codes.atm': 'ATM transfer',
  'codes.type': 'Channel',
  'codes.PinCode': 'Payment code',
  'codes.PinCode.atm': 'Virtual account',
  'codes.BankCode': 'Bank code',
  'codes.LimitDate': 'Pay by',
  'codes.BarCode1': 'Barcode 1',
  'codes.BarCode2': 'Barcode 2',
  'codes.BarCode3': 'Barcode 3',
  'codes.BarcodeEndDate': 'Barcodes valid until',
  'footer.note': 'A demo shop. Never enter a real card number.',
};

const DICTS = { 'zh-Hant': zh, en };

export function getLang() {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved && DICTS[saved]) return saved;
  } catch {
    // Storage can be off (private mode): fall back to the default.
  }
  return 'zh-Hant';
}

let lang = getLang();

export function currentLang() {
  return lang;
}

/** The string for `key` in the current language, with `{name}` placeholders filled. */
export function t(key, vars = {}) {
  const s = DICTS[lang][key] ?? zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** Whole TWD as text, e.g. `NT$1,280`. */
export function money(n, currency = 'TWD') {
  const locale = lang === 'en' ? 'en-US' : 'zh-TW';
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'symbol', maximumFractionDigits: 0 })
      .format(n)
      .replace(/^\$/, 'NT$');
  } catch {
    return `NT$${n}`;
  }
}

export function dateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-TW', { dateStyle: 'medium', timeStyle: 'short' });
}

/** The localized name of a product or line (`name_en` in English when there is one). */
export function nameOf(x) {
  return (lang === 'en' && x.name_en) || x.name;
}

/** Fills every `data-i18n` (text) and `data-i18n-attr="attr:key;…"` under `root`. */
export function applyI18n(root = document) {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-Hant-TW';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

/** Wires the language button: switches, persists, and calls `onChange` to re-render. */
export function setupLangSwitch(button, onChange) {
  const paint = () => {
    button.textContent = t('lang.switch');
    button.setAttribute('aria-label', t('lang.switchLabel'));
    button.lang = lang === 'en' ? 'zh-Hant-TW' : 'en';
  };
  paint();
  button.addEventListener('click', () => {
    lang = lang === 'en' ? 'zh-Hant' : 'en';
    try {
      localStorage.setItem(LANG_KEY, lang);
    } catch {
      // Not persisted; still switch for this page.
    }
    applyI18n();
    paint();
    onChange?.();
  });
}
