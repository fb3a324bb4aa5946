// The seeded chaos runs (scripts/chaos.sh starts the stack and runs this).
//
// Each seed drives one interleaving against the real Worker (workerd, local D1)
// and the real sandbox: checkouts sharing a small pool of vouchers; card
// payments that succeed or fail; store codes and ATM transfers settled 250, 380
// or 290; abandoned pages; late payments of pages that expired here; reports
// duplicated, reordered, dropped, replayed and forged; api/queryorder (and
// api/refund) faults switched on and off; cron ticks; clock jumps from minutes
// to days; instant, refused, unanswered and manual refunds. The steps are
// chosen from the sandbox's own record of each order (so a seed replays the
// same steps), never from what the worker says.
//
// After the steps: faults off, every report delivered, both clocks far ahead,
// reconcile until nothing changes; then the invariants are checked against the
// sandbox's record (see check() below):
//   I1 paid stays paid            I4 refunds follow MYPAY
//   I2 one voucher, one discount  I5 nothing is lost (reports, queries)
//   I3 abandoned vouchers return  I6 unconfirmed claims move nothing
//
// Env: SEEDS=N (N seeds from a random start seed; default the fixed set),
//      SEED=S (one seed, verbose), STEPS=N (steps per seed),
//      CHAOS_RESUME_FILE / CHAOS_REPORT_FILE (set by scripts/chaos.sh),
//      CHAOS_COVERAGE_FILE (appends one JSON line per seed: what ran, how long;
//      used to choose FIXED_SEEDS).
import { randomInt } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Rng } from './prng.mjs';
import * as L from './lib.mjs';

/** `make test-chaos`: these seeds, DEFAULT_STEPS steps each. */
export const FIXED_SEEDS = [11, 23, 37, 41, 59, 61, 73, 89, 97, 101];
export const DEFAULT_STEPS = 36;
/** Orders per seed at most (the voucher pool stays small so that they clash). */
const MAX_ORDERS = 10;
/** The final jump: past every page lifetime, LimitDate, voucher hold and manual refund date. */
const FINAL_JUMP = 8 * 86_400;
/** The most one seed can move the clocks (steps are at most ~3 days each, rarely). */
const SEED_CLOCK_BUDGET = L.ISOLATION_JUMP + FINAL_JUMP + 40 * 86_400;

/** The worker's attempts per api/queryorder confirmation (crates/mypay-link/src/call.rs: QueryOrder's Retry::Transient { attempts: 3 }). */
const QUERY_ATTEMPTS = 3;

const PAID_PRC = new Set(['250', '600']);
const MONEY_PRC = new Set(['250', '600', '290']);
const LOCAL_PAID = new Set(['paid', 'refund_pending']);
/** MYPAY's final answers for an order that will never be paid. */
const ENDED_UNPAID = new Set(['300', 'A0002', '380', '220']);
/** MYPAY's codes for an order still waiting (no deadline, or a store code / transfer not yet due). */
const WAITING_PRC = new Set(['245', '247', '280', 'A0001', '260', '270']);

const env = (k) => (process.env[k] ?? '').trim();

// ------------------------------------------------------------------ helpers

/** MYPAY's YYYYMMDDHHmmss (Taiwan time) → Unix seconds. */
function mypayTime(s) {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(String(s ?? '').trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, se] = m.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, se) / 1000 - 8 * 3600;
}

/** The LimitDate a query reply carries, as the worker reads it. */
function replyLimit(reply) {
  if (!reply) return null;
  let codes = reply.result_content;
  if (typeof codes === 'string') {
    try { codes = JSON.parse(codes); } catch { codes = null; }
  }
  return mypayTime(codes?.LimitDate) ?? mypayTime(reply.expired_date);
}

const unix = (rfc) => (rfc ? Math.round(Date.parse(rfc) / 1000) : null);

function short(r) {
  if (!r) return '';
  const b = r.body;
  const code = b?.error?.code ?? (typeof b?.status === 'string' ? b.status : '') ?? '';
  return `${r.status}${code ? ` ${code}` : ''}`;
}

// ------------------------------------------------------------------ one seed

class Run {
  constructor(seed, { steps, verbose }) {
    this.seed = seed;
    this.rng = new Rng(seed);
    this.stepsWanted = steps;
    this.verbose = verbose;
    this.steps = []; // printable step list
    this.orders = []; // { idx, id, token, uid, amount, pfn, vouchers, sb, seenPaid, myReports }
    this.pool = []; // { code, kind, rrt }
    this.faults = { agent: null, callbacks: null };
    this.reorderUsed = 0; // reports the sandbox held back with the reorder fault
    this.violations = [];
    this.errors = [];
    this.coverage = {};
  }

  log(line) {
    if (this.verbose) console.log(line);
  }

  violation(inv, order, what) {
    const o = typeof order === 'object' && order ? order : this.orders.find((x) => x.id === order);
    const id = o ? o.id : String(order ?? '-');
    const text = o ? `#${o.idx} ${what}` : what;
    const key = `${inv}|${id}|${what}`;
    if (this.violations.some((v) => v.key === key)) return;
    this.violations.push({ key, line: `VIOLATION ${inv} seed=${this.seed} order=${id}: ${text}` });
    this.log(`    !! ${inv} ${id}: ${text}`);
  }

  error(what) {
    this.errors.push(`ERROR seed=${this.seed} step=${this.steps.length}: ${what}`);
    this.log(`    !! ERROR ${what}`);
  }

  order(idx) {
    return this.orders[idx];
  }

  async refresh(o) {
    if (o.uid) o.sb = await L.sandboxOrder(o.uid);
  }

  async refreshAll() {
    for (const o of this.orders) await this.refresh(o);
  }

  // -------------------------------------------------------------- setup

  async setup() {
    await L.isolate();
    // Mostly longer than ORDER_TTL + VOUCHER_HOLD, so that a page can be paid after its vouchers were released.
    const pageLifetime = this.rng.weighted([[7200, 1], [86_400, 1], [172_800, 2], [259_200, 2]]);
    this.pageLifetime = pageLifetime;
    await L.sandboxConfig({ refund_mode: 'instant', page_lifetime_seconds: pageLifetime, manual_refund_days: 7 });
    await L.waitQuiet({ quietMs: 300 });
    const [notes, reqs] = await Promise.all([L.notifications(), L.agentRequests()]);
    this.firstNote = notes.at(-1)?.id ?? 0;
    this.firstReq = reqs.at(-1)?.id ?? 0;
    this.startOffset = await L.clockOffset();
    this.offset = this.startOffset;
    // The pool: two or three paid vouchers (refund_return_type 1, 2 or 3) and one or two free ones.
    const paid = this.rng.int(2, 3);
    const free = this.rng.int(1, 2);
    const tag = `S${this.seed.toString(36).toUpperCase()}T${Date.now().toString(36).toUpperCase()}`.slice(0, 18);
    for (let i = 0; i < paid; i++) {
      const rrt = this.rng.pick(['1', '2', '3']);
      const value = this.rng.pick([50, 100, 150]);
      const [code] = await L.issueVouchers('paid', value, { rrt, prefix: `${tag}P${i}` });
      this.pool.push({ code, kind: 'paid', rrt, value });
    }
    for (let i = 0; i < free; i++) {
      const value = this.rng.pick([30, 80]);
      const [code] = await L.issueVouchers('free', value, { prefix: `${tag}F${i}` });
      this.pool.push({ code, kind: 'free', rrt: null, value });
    }
    this.log(`  pool: ${this.pool.map((v) => `${v.code}(${v.kind}${v.rrt ? ` rrt ${v.rrt}` : ''})`).join(', ')}; page lifetime ${pageLifetime} s`);
  }

  // -------------------------------------------------------------- choosing steps

  payable() {
    return this.orders.filter((o) => o.sb && o.sb.prc === '200' && !o.sb.page_expired);
  }

  /** Orders MYPAY has paid and not refunded (in full or pending). */
  refundable() {
    return this.orders.filter((o) => o.sb && PAID_PRC.has(o.sb.prc) && (o.sb.refunds ?? []).length === 0);
  }

  choose() {
    const r = this.rng;
    const payable = this.payable();
    const waiting = this.orders.filter((o) => o.sb && ['260', '270'].includes(o.sb.prc));
    const open = this.orders.filter((o) => o.sb && ['245', '247', '280', 'A0001'].includes(o.sb.prc));
    const paid = this.orders.filter((o) => o.sb && o.sb.prc === '250');
    const expired380 = this.orders.filter((o) => o.sb && o.sb.prc === '380');
    const refundable = this.refundable();
    const pendingRefund = this.orders.filter((o) => (o.sb?.refunds ?? []).some((x) => x.state === 'pending'));
    const withUid = this.orders.filter((o) => o.uid);
    const reported = this.orders.filter((o) => o.sb && o.sb.history.length > 1);
    const kinds = [
      ['checkout', this.orders.length < MAX_ORDERS ? (this.orders.length < 3 ? 14 : 5) : 0],
      ['pay', payable.length ? 7 : 0],
      ['settle', waiting.length ? 5 : 0],
      ['settleOpen', open.length ? 3 : 0],
      ['lose', payable.length ? 0.8 : 0],
      ['settle600', paid.length ? 0.8 : 0],
      ['settle290late', expired380.length ? 0.5 : 0],
      ['abandon', payable.length ? 1.2 : 0],
      ['latePay', payable.length ? 2.5 : 0],
      ['callbackFault', 2],
      ['queryFault', 2.5],
      ['refundUnderFault', refundable.length ? 0.6 : 0],
      ['cron', 3],
      ['jump', 2.5],
      ['refund', refundable.length ? 3 : 0],
      ['manualRefund', refundable.length ? 1.5 : 0],
      ['completeRefund', pendingRefund.length ? 1.5 : 0],
      ['refundMode', 0.6],
      ['forge', withUid.length ? 2 : 0],
      ['replay', reported.length ? 1.5 : 0],
      ['renotify', reported.length ? 0.6 : 0],
      ['quiet', 1.2],
      ['burst', withUid.length ? 1.2 : 0],
      ['lateConflict', payable.some((o) => o.vouchers.length) ? 1.2 : 0],
      ['refundRace', refundable.length ? 1 : 0],
    ];
    const kind = r.weighted(kinds);
    switch (kind) {
      case 'checkout': {
        const n = r.weighted([[0, 3], [1, 5], [2, 2]]);
        const vouchers = r.sample(this.pool, n).map((v) => v.code);
        const pfn = r.weighted([['CREDITCARD', 5], ['CSTORECODE', 2], ['E_COLLECTION', 1.5], [null, 1]]);
        return { kind, vouchers, pfn, quantity: r.int(1, 3) };
      }
      case 'pay': {
        const o = r.pick(payable);
        return { kind, order: o.idx, how: this.payHow(o) };
      }
      case 'settle': {
        const o = r.pick(waiting);
        return { kind, order: o.idx, prc: r.weighted([['250', 6], ['380', 2.5], ['290', 1.5]]) };
      }
      case 'settleOpen': {
        const o = r.pick(open);
        const next = { 245: [['250', 3], ['247', 2], ['300', 1], ['wait', 2]], 247: [['250', 3], ['300', 1], ['wait', 2]], 280: [['250', 3], ['300', 1], ['wait', 1]], A0001: [['250', 3], ['600', 1], ['300', 1], ['wait', 2]] }[o.sb.prc];
        const prc = r.weighted(next);
        // 'wait': MYPAY keeps it waiting; the clocks move on instead (hours to days).
        if (prc === 'wait') return { kind: 'jump', seconds: r.int(3600, 4 * 86_400) };
        return { kind: 'settle', order: o.idx, prc };
      }
      case 'lose': {
        const o = r.pick(payable);
        return { kind: 'lose', order: o.idx, card: r.chance(0.7) };
      }
      case 'settle600':
        return { kind: 'settle', order: r.pick(paid).idx, prc: '600' };
      case 'settle290late':
        return { kind: 'settle', order: r.pick(expired380).idx, prc: '290' };
      case 'abandon':
        return { kind, order: r.pick(payable).idx };
      case 'latePay':
        // Past the page's TTL (the order expires here), or past the voucher hold too (its vouchers are released).
        const pastHold = r.chance(0.4);
        return {
          kind,
          seconds: pastHold ? L.ORDER_TTL + L.VOUCHER_HOLD + r.int(60, 3600) : L.ORDER_TTL + r.int(60, 900),
          pick: r.float(),
          how: r.weighted([['card', 4], ['store', 1]]),
          tick: r.pick(['reconcile0', 'cron']),
          // The late payment races a new checkout of the same vouchers.
          race: r.chance(pastHold ? 0.6 : 0.3),
        };
      case 'callbackFault':
        if (this.faults.callbacks && r.chance(0.4)) return { kind, fault: null };
        return { kind, fault: { mode: r.weighted([['duplicate', 3], ['reorder', 2], ['drop', 3]]), count: r.int(1, 3) } };
      case 'queryFault': {
        if (this.faults.agent && r.chance(0.5)) return { kind, fault: null };
        const mode = r.weighted([['http500', 3], ['timeout', 2], ['garbage', 2], ['html403', 2], ['partial', 1]]);
        const f = { mode, cmd: 'api/queryorder' };
        if (r.chance(0.12)) f.sticky = true;
        else f.count = r.int(1, 5);
        if (mode === 'timeout') f.delay_ms = r.chance(0.1) ? 1700 : r.int(100, 500);
        return { kind, fault: f };
      }
      case 'refundUnderFault': {
        const o = r.pick(refundable);
        const mode = r.weighted([['http500', 2], ['html403', 2], ['timeout', 1]]);
        const f = { mode, cmd: 'api/refund', count: 1, after_processing: mode !== 'html403' && r.chance(0.5) };
        if (mode === 'timeout') f.delay_ms = 1700;
        return { kind, order: o.idx, fault: f };
      }
      case 'cron':
        return { kind, how: r.weighted([['reconcile', 3], ['reconcile0', 2], ['scheduled', 3]]) };
      case 'jump':
        return {
          kind,
          seconds: r.weighted([
            [r.int(60, 1800), 4],
            [r.int(3600, 6 * 3600), 3],
            [r.int(86_400, 3 * 86_400), 2],
            [L.ORDER_TTL + L.VOUCHER_HOLD + r.int(60, 7200), 1],
          ]),
        };
      case 'refund':
        return { kind, order: r.pick(refundable).idx };
      case 'manualRefund':
        return { kind, order: r.pick(refundable).idx, panelFirst: r.chance(0.6), complete: r.chance(0.4) };
      case 'completeRefund':
        return { kind, order: r.pick(pendingRefund).idx };
      case 'refundMode':
        return { kind, mode: r.weighted([['instant', 3], ['manual', 1.5], ['no_row_data', 1.5]]) };
      case 'forge':
        return { kind, order: r.pick(withUid).idx, as: r.pick(['paid250', 'limitFar', 'limitPast', 'expired380', 'failed300', 'abandonA0002']) };
      case 'replay':
        return { kind, order: r.pick(reported).idx, pick: r.float() };
      case 'renotify':
        return { kind, order: r.pick(reported).idx };
      case 'burst':
        return { kind, order: r.pick(withUid).idx };
      case 'lateConflict': {
        const o = r.pick(payable.filter((x) => x.vouchers.length));
        return { kind, order: o.idx, seconds: L.ORDER_TTL + L.VOUCHER_HOLD + r.int(60, 3600), tick: r.pick(['reconcile0', 'cron']), payOther: r.chance(0.8) };
      }
      case 'refundRace':
        return { kind, order: r.pick(refundable).idx };
      default:
        return { kind };
    }
  }

  payHow(o) {
    const r = this.rng;
    const pfn = o.pfn ?? r.pick(['CREDITCARD', 'CSTORECODE', 'E_COLLECTION', 'WEBATM']);
    if (pfn === 'CREDITCARD') return r.weighted([['card', 7], ['cardFail', 2], ['cardAuth', 1.5]]);
    if (pfn === 'WEBATM') return 'webatmWait';
    return pfn === 'CSTORECODE' ? 'store' : 'atm';
  }

  describe(s) {
    const o = s.order !== undefined ? `#${s.order}` : '';
    switch (s.kind) {
      case 'checkout': return `checkout vouchers=[${s.vouchers.join(',')}] pfn=${s.pfn ?? 'any'} qty=${s.quantity}`;
      case 'pay': return `pay ${o} ${s.how}`;
      case 'settle': return `settle ${o} ${s.prc}`;
      case 'abandon': return `abandon ${o}`;
      case 'lose': return `MYPAY loses the answer of ${o}'s ${s.card ? 'card ' : ''}attempt (A0001)`;
      case 'latePay': return `late pay: clocks +${s.seconds}s${s.seconds > L.ORDER_TTL + L.VOUCHER_HOLD ? ` (in two jumps, ${s.tick} between)` : ''}, ${s.tick}, pay an open page (${s.pick.toFixed(3)}) by ${s.how}${s.race ? ', racing a checkout of its vouchers' : ''}`;
      case 'lateConflict': return `late payment after release: clocks +${L.ORDER_TTL + 60}s, ${s.tick}, +${s.seconds - L.ORDER_TTL - 60}s, ${s.tick}, a new order takes ${o}'s vouchers${s.payOther ? ' and pays' : ''}, then ${o}'s old page is paid`;
      case 'burst': return `burst on ${o}: at once the sandbox re-sends its report, a report is replayed, reconcile, cron`;
      case 'refundRace': return `refund ${o} while the sandbox re-sends its report and reconcile runs`;
      case 'callbackFault': return `callback fault ${s.fault ? `${s.fault.mode} x${s.fault.count}` : 'off'}`;
      case 'queryFault': return `api/queryorder fault ${s.fault ? `${s.fault.mode} ${s.fault.sticky ? 'sticky' : `x${s.fault.count}`}${s.fault.delay_ms ? ` ${s.fault.delay_ms}ms` : ''}` : 'off'}`;
      case 'refundUnderFault': return `refund ${o} under api/refund fault ${s.fault.mode}${s.fault.after_processing ? ' after processing' : ''}`;
      case 'cron': return `cron ${s.how}`;
      case 'jump': return `clocks +${s.seconds}s`;
      case 'refund': return `refund ${o}`;
      case 'manualRefund': return `manual refund ${o} (${s.panelFirst ? 'panel first' : 'recorded first'}, panel ${s.complete ? 'done' : 'pending'})`;
      case 'completeRefund': return `complete refunds of ${o} in the sandbox`;
      case 'refundMode': return `sandbox refund_mode ${s.mode}`;
      case 'forge': return `forged report ${o} ${s.as}`;
      case 'replay': return `replay an old report of ${o} (${s.pick.toFixed(3)})`;
      case 'renotify': return `sandbox re-sends ${o}'s report`;
      case 'quiet': return 'wait for the reports to settle';
      default: return s.kind;
    }
  }

  // -------------------------------------------------------------- executing steps

  count(what) {
    this.coverage[what] = (this.coverage[what] ?? 0) + 1;
  }

  async exec(s) {
    this.count(s.kind);
    const text = this.describe(s);
    this.steps.push(text);
    this.log(`  ${String(this.steps.length).padStart(3)}. ${text}`);
    const t0 = Date.now();
    const note = await this[`do_${s.kind}`](s);
    this.log(`       → ${note ? `${note} ` : ''}[${Date.now() - t0} ms]`);
  }

  async sandboxStep(o, path, body) {
    const r = await L.sandbox('POST', `/sandbox/orders/${o.uid}/${path}`, body ?? {});
    if (![200, 409].includes(r.status)) this.error(`sandbox ${path} for #${o.idx} answered ${r.status} ${r.text.slice(0, 200)}`);
    await this.refresh(o);
    return `sandbox ${short(r)}${r.status === 409 ? ` (${r.body?.error?.message ?? ''})` : ''} → prc ${o.sb?.prc}`;
  }

  async do_checkout(s) {
    this.created = null;
    const r = await L.checkout(s);
    if (r.status === 201) {
      const o = {
        idx: this.orders.length, id: r.body.order_id, token: r.body.token, uid: r.uid, amount: r.body.amount,
        pfn: s.pfn, vouchers: s.vouchers, sb: null, seenPaid: false, myReports: 0, statuses: [],
      };
      this.orders.push(o);
      this.created = o;
      await this.refresh(o);
      return `201 #${o.idx} ${o.id} uid ${o.uid} amount ${o.amount}`;
    }
    if (r.status === 409 && r.body?.error?.code === 'voucher_unavailable') {
      return `409 voucher_unavailable (${(r.body.error.details ?? []).map((d) => `${d.code}:${d.reason}`).join(', ')})`;
    }
    this.error(`checkout answered ${r.status} ${r.text.slice(0, 300)}`);
    return short(r);
  }

  async do_pay(s) {
    const o = this.order(s.order);
    const body = {
      card: { card_number: L.CARD_OK }, cardFail: { card_number: L.CARD_FAIL }, cardAuth: { card_number: L.CARD_OK, capture: 'manual' },
      store: { pfn: 'CSTORECODE' }, atm: { pfn: 'E_COLLECTION' }, webatmWait: { pfn: 'WEBATM', wait: true },
    }[s.how];
    return this.sandboxStep(o, 'pay', body);
  }

  async do_settle(s) {
    return this.sandboxStep(this.order(s.order), 'settle', { prc: s.prc });
  }

  async do_lose(s) {
    return this.sandboxStep(this.order(s.order), 'settle', s.card ? { prc: 'A0001', card_number: L.CARD_OK } : { prc: 'A0001' });
  }

  async do_abandon(s) {
    return this.sandboxStep(this.order(s.order), 'abandon');
  }

  async jumpBy(seconds) {
    if (this.offset + seconds > L.MAX_OFFSET + 300 * 86_400) throw new Error(`the clocks would pass the worker's test clock limit (offset ${this.offset} + ${seconds})`);
    this.offset = await L.setClock(this.offset + seconds);
    await this.refreshAll();
  }

  async tick(how) {
    switch (how) {
      case 'reconcile': return `reconcile ${JSON.stringify(await L.reconcile({ limit: 500 }))}`;
      case 'reconcile0': return `reconcile ${JSON.stringify(await L.reconcile({ min_age_seconds: 0, limit: 500 }))}`;
      default: await L.cronTick(); return 'scheduled handler ran';
    }
  }

  async do_latePay(s) {
    if (s.seconds > L.ORDER_TTL + L.VOUCHER_HOLD) {
      // Past the TTL (a query expires the order), then past the hold (the next query releases its vouchers).
      await this.jumpBy(L.ORDER_TTL + 60);
      await this.tick(s.tick);
      await this.jumpBy(s.seconds - L.ORDER_TTL - 60);
    } else {
      await this.jumpBy(s.seconds);
    }
    const t = await this.tick(s.tick);
    const open = this.payable();
    if (!open.length) return `${t}; no open page`;
    const o = open[Math.floor(s.pick * open.length)];
    const local = (await L.orderView(o.id)).status;
    if (local === 'expired') this.count('latePay of an expired order');
    const body = s.how === 'card' ? { card_number: L.CARD_OK } : { pfn: 'CSTORECODE' };
    if (!s.race || !o.vouchers.length) return `${t}; #${o.idx} (local ${local}): ${await this.sandboxStep(o, 'pay', body)}`;
    this.count('latePay racing a checkout');
    const [paid, co] = await Promise.all([
      this.sandboxStep(o, 'pay', body),
      this.do_checkout({ vouchers: o.vouchers, pfn: 'CREDITCARD', quantity: 1 }),
    ]);
    return `${t}; #${o.idx} (local ${local}): ${paid}; checkout of its vouchers: ${co}`;
  }

  /** A page paid after its vouchers were released and taken by another order. */
  async do_lateConflict(s) {
    const a = this.order(s.order);
    // Past the TTL (a query expires the order), then past the hold (the next query releases its vouchers).
    await this.jumpBy(L.ORDER_TTL + 60);
    await this.tick(s.tick);
    await this.jumpBy(s.seconds - L.ORDER_TTL - 60);
    const t = await this.tick(s.tick);
    const local = await L.orderView(a.id);
    const co = await this.do_checkout({ vouchers: a.vouchers, pfn: 'CREDITCARD', quantity: 1 });
    const b = this.created;
    let paidB = '';
    if (b && s.payOther && b.sb?.prc === '200') {
      paidB = `; #${b.idx} pays: ${await this.sandboxStep(b, 'pay', { card_number: L.CARD_OK })}`;
      await this.quiet();
    }
    if (!a.sb || a.sb.prc !== '200' || a.sb.page_expired) return `${t}; #${a.idx} (${local.status}, holds ${local.holds}): checkout ${co}${paidB}; its page is no longer open`;
    this.count('late payment after release');
    return `${t}; #${a.idx} (${local.status}, holds ${local.holds}): checkout ${co}${paidB}; #${a.idx} pays late: ${await this.sandboxStep(a, 'pay', { card_number: L.CARD_OK })}`;
  }

  /** Several confirmations of one order at once. */
  async do_burst(s) {
    const o = this.order(s.order);
    const acked = (await L.notifications(o.uid)).filter((a) => a.acknowledged || a.acked);
    const jobs = [
      L.sandbox('POST', `/sandbox/orders/${o.uid}/notify`, {}).then(short),
      L.reconcile({ min_age_seconds: 0, limit: 500 }).then((x) => `reconcile ${JSON.stringify(x)}`),
      L.cronTick().then(() => 'cron'),
    ];
    if (acked.length) jobs.push(this.report(o, acked.at(-1).fields, 'replayed report').then((r) => `replay ${short(r)}`));
    return (await Promise.all(jobs)).join('; ');
  }

  /** A refund while the order is being confirmed. */
  async do_refundRace(s) {
    const o = this.order(s.order);
    const before = await this.refundSnapshot(o);
    const [r] = await Promise.all([
      L.admin('POST', `/admin/orders/${o.id}/refund`, {}),
      L.sandbox('POST', `/sandbox/orders/${o.uid}/notify`, {}),
      L.reconcile({ min_age_seconds: 0, limit: 500 }),
    ]);
    await this.quiet();
    const after = await this.refundSnapshot(o);
    this.checkRefund(o, r, before, after, { fault: false, race: true });
    this.count(`refund ${short(r)}`);
    return `${short(r)} (local ${before.view.status} → ${after.view.status}; MYPAY refunds ${(after.sb.refunds ?? []).map((x) => x.state).join(',') || 'none'})`;
  }

  /** Counts the reports held back by a reorder fault that is being replaced. */
  async countReorders() {
    const set = this.activeCallbacks;
    if (set?.mode !== 'reorder') return;
    const now = (await L.getFaults()).callbacks;
    const left = now?.mode === 'reorder' ? now.count ?? 0 : 0;
    this.reorderUsed += Math.max(0, set.count - left);
  }

  async putFaults() {
    if (this.faults.callbacks !== this.activeCallbacks) await this.countReorders();
    await L.setFaults(this.faults);
    this.activeCallbacks = this.faults.callbacks;
  }

  /** Waits (at most ~6 s) for every report held back by a reorder fault to go out. */
  async reordersOut() {
    const deadline = Date.now() + 6500;
    while (this.reorderUsed > 0) {
      const notes = await L.notifications();
      const out = new Set(notes.filter((a) => a.id > this.firstNote && a.fault === 'reorder').map((a) => a.delivery)).size;
      if (out >= this.reorderUsed || Date.now() > deadline) return;
      await L.sleep(150);
    }
  }

  async do_callbackFault(s) {
    this.faults.callbacks = s.fault;
    await this.putFaults();
  }

  async do_queryFault(s) {
    this.faults.agent = s.fault;
    await this.putFaults();
  }

  /** Everything a refund may touch, before and after. */
  async refundSnapshot(o) {
    const [view, vouchers] = await Promise.all([L.orderView(o.id), L.voucherMap()]);
    await this.refresh(o);
    return { view, vouchers, sb: o.sb };
  }

  /** I4 and I2 around one refund call (admin API). */
  checkRefund(o, r, before, after, { fault } = {}) {
    const doneAtMypay = (after.sb.refunds ?? []).some((x) => x.state === 'done');
    const anyAtMypay = (after.sb.refunds ?? []).length > 0;
    const newAtMypay = (after.sb.refunds ?? []).length > (before.sb.refunds ?? []).length;
    const bv = before.view;
    const av = after.view;
    // Vouchers the order does not hold never move with its refund.
    for (const code of o.vouchers) {
      const b = before.vouchers.get(code);
      const a = after.vouchers.get(code);
      if (!b || !a) continue;
      // Consumed by another order: only that order's own refund could move it.
      const others = b.order_id !== o.id && b.status === 'used';
      if (others && (a.status !== b.status || a.order_id !== b.order_id)) {
        this.violation('I2', o, `refund (${short(r)}) moved voucher ${code} it does not hold: ${b.status}/${b.order_id} → ${a.status}/${a.order_id}`);
      }
    }
    // What the refund call must answer, by what the order was before it.
    const method = bv.payment?.pfn ?? o.sb.pfn;
    const refundable = bv.refund_state === null && (bv.status === 'paid' || (bv.status === 'needs_review' && ['voucher_conflict', 'paid_mismatch', 'refund_unconfirmed'].includes(bv.review?.reason)));
    if (refundable && ['CSTORECODE', 'E_COLLECTION'].includes(method) && !(r.status === 409 && r.body?.error?.code === 'refund_not_supported')) {
      this.violation('I4', o, `a ${method} order (${bv.status}) was not refused with 409 refund_not_supported: ${short(r)}`);
    }
    if (refundable && method === 'CREDITCARD' && !fault && ![200, 202].includes(r.status)) {
      this.violation('I4', o, `a paid card order's refund answered ${short(r)} ${r.text.slice(0, 160)}`);
    }
    if (r.status === 200) {
      if (r.body?.status !== 'refunded') this.error(`refund 200 with status ${r.body?.status}`);
      if (!doneAtMypay) this.violation('I4', o, `refund answered 200 refunded but MYPAY shows no refund done (${JSON.stringify(after.sb.refunds)})`);
      for (const code of o.vouchers) {
        const b = before.vouchers.get(code);
        const a = after.vouchers.get(code);
        if (!b || !a || b.order_id !== o.id || b.status !== 'used') continue;
        const pv = this.pool.find((v) => v.code === code);
        const back = pv?.kind === 'paid' && pv.rrt === '2';
        if (back && a.status !== 'available') this.violation('I2', o, `refund_return_type 2 voucher ${code} is ${a.status} after the refund`);
        if (!back && (a.status !== 'used' || a.order_id !== o.id)) this.violation('I2', o, `voucher ${code} (${pv?.kind} rrt ${pv?.rrt}) is ${a.status}/${a.order_id} after the refund; it stays used`);
      }
    } else if (r.status === 202) {
      if (av.status !== 'refund_pending' && av.status !== 'refunded') this.violation('I4', o, `refund answered 202 but the order is ${av.status}`);
      if (av.status === 'refunded' && !doneAtMypay) this.violation('I4', o, 'refunded locally while MYPAY shows no refund done');
      if (!fault && !anyAtMypay) this.violation('I4', o, 'refund answered 202 without a fault but MYPAY has no refund');
    } else {
      // Refused (409) or MYPAY refused / unreachable (5xx): nothing changes.
      if (r.status === 409 && r.body?.error?.code === 'refund_not_supported') {
        const method = bv.payment?.pfn ?? o.sb.pfn;
        if (method === 'CREDITCARD') this.violation('I4', o, `a card order was refused as refund_not_supported`);
        if (bv.status !== av.status) this.violation('I4', o, `refund_not_supported changed the order ${bv.status} → ${av.status}`);
      }
      if (r.status >= 500 && r.status !== 502 && r.status !== 504) this.error(`refund answered ${r.status} ${r.text.slice(0, 200)}`);
      if (newAtMypay && r.status === 409) this.violation('I4', o, `refund answered 409 ${r.body?.error?.code} but MYPAY recorded a refund`);
      if (av.refund_state !== bv.refund_state && !(bv.refund_state === null && av.refund_state === null)) {
        this.violation('I4', o, `refused refund (${short(r)}) changed refund_state ${bv.refund_state} → ${av.refund_state}`);
      }
      if (['refunded', 'refund_pending'].includes(av.status) && !['refunded', 'refund_pending'].includes(bv.status)) {
        this.violation('I4', o, `refused refund (${short(r)}) moved the order ${bv.status} → ${av.status}`);
      }
      for (const code of o.vouchers) {
        const b = before.vouchers.get(code);
        const a = after.vouchers.get(code);
        // (a confirmation meanwhile may consume held vouchers; nothing may come back)
        if (b && a && b.order_id === o.id && b.status === 'used' && (a.status !== 'used' || a.order_id !== o.id)) {
          this.violation('I4', o, `refused refund (${short(r)}) moved voucher ${code}: ${b.status} → ${a.status}/${a.order_id}`);
        }
      }
    }
    if (av.status === 'refunded' && !doneAtMypay) this.violation('I4', o, 'refunded locally while MYPAY shows no refund done');
  }

  async refundCall(o, fault) {
    const before = await this.refundSnapshot(o);
    const r = await L.admin('POST', `/admin/orders/${o.id}/refund`, {});
    const after = await this.refundSnapshot(o);
    this.checkRefund(o, r, before, after, { fault });
    this.count(`refund ${short(r)}`);
    return `${short(r)} (local ${before.view.status} → ${after.view.status}; MYPAY refunds ${(after.sb.refunds ?? []).map((x) => x.state).join(',') || 'none'})`;
  }

  async do_refund(s) {
    return this.refundCall(this.order(s.order), false);
  }

  async do_refundUnderFault(s) {
    const saved = this.faults.agent;
    this.faults.agent = s.fault;
    await this.putFaults();
    try {
      return await this.refundCall(this.order(s.order), true);
    } finally {
      this.faults.agent = saved;
      await this.putFaults();
    }
  }

  async do_manualRefund(s) {
    const o = this.order(s.order);
    const notes = [];
    const panel = async () => {
      const r = await L.sandbox('POST', `/sandbox/orders/${o.uid}/refund`, { complete: s.complete });
      if (![200, 409].includes(r.status)) this.error(`sandbox panel refund answered ${r.status} ${r.text.slice(0, 200)}`);
      notes.push(`panel ${short(r)}`);
    };
    const record = async () => {
      const r = await L.admin('POST', `/admin/orders/${o.id}/manual-refund`, { note: `chaos seed ${this.seed}` });
      if (![202, 409].includes(r.status)) this.error(`manual-refund answered ${r.status} ${r.text.slice(0, 200)}`);
      notes.push(`manual-refund ${short(r)}`);
    };
    if (s.panelFirst) { await panel(); await record(); } else { await record(); await panel(); }
    await this.refresh(o);
    const view = await L.orderView(o.id);
    const done = (o.sb.refunds ?? []).some((x) => x.state === 'done');
    if (view.status === 'refunded' && !done) this.violation('I4', o, 'refunded locally after a manual refund while MYPAY shows no refund done');
    return `${notes.join(', ')}; local ${view.status}`;
  }

  async do_completeRefund(s) {
    return this.sandboxStep(this.order(s.order), 'refund/complete', {});
  }

  async do_refundMode(s) {
    await L.sandboxConfig({ refund_mode: s.mode });
  }

  async do_cron(s) {
    return this.tick(s.how);
  }

  async do_jump(s) {
    await this.jumpBy(s.seconds);
    return `offset ${this.offset}`;
  }

  async do_quiet() {
    await this.quiet();
  }

  async quiet(extra = {}) {
    const quietMs = (this.faults.agent?.mode === 'timeout' ? this.faults.agent.delay_ms ?? 0 : 0) + 500;
    await L.waitQuiet({ quietMs, ...extra });
  }

  /** Posts a report; counts it when the worker acknowledged it. */
  async report(o, fields, what) {
    const r = await L.postReport(fields);
    if (r.status === 200 && r.text.trim() === '8888') o.myReports++;
    else this.error(`${what}: a report with the order's own uid, key, order_id and cost got ${r.status} ${r.text.slice(0, 100)}`);
    return r;
  }

  async do_forge(s) {
    const o = this.order(s.order);
    await this.refresh(o);
    const before = await L.orderView(o.id);
    const vBefore = await L.voucherMap();
    const base = L.reportFromSandbox(o.sb);
    const store = (limit) => ({
      ...base, prc: '260', pfn: 'CSTORECODE', retmsg: '取號成功', expired_date: limit, result_type: '4', result_content_type: 'IBON',
      result_content: JSON.stringify({ PinCode: 'IB000000000000', LimitDate: limit, BarcodeEndDate: limit }),
    });
    const fields = {
      paid250: { ...base, prc: '250', pfn: 'CREDITCARD', retmsg: '付款完成' },
      limitFar: store('99991231235959'),
      limitPast: store('20200101000000'),
      expired380: { ...base, prc: '380', retmsg: '逾期未繳費' },
      failed300: { ...base, prc: '300', retmsg: '交易失敗' },
      abandonA0002: { ...base, prc: 'A0002', retmsg: '消費者放棄交易' },
    }[s.as];
    const lastEvent = before.events.at(-1)?.id ?? 0;
    await this.report(o, fields, `forged ${s.as}`);
    // Wait for the worker to ask MYPAY about it (or to give up asking).
    let after;
    const deadline = Date.now() + 8000;
    for (;;) {
      after = await L.orderView(o.id);
      const rep = after.events.find((e) => e.id > lastEvent && e.kind === 'report');
      if (rep && after.events.some((e) => e.id > rep.id && ['query', 'query_failed', 'query_rejected'].includes(e.kind))) break;
      if (Date.now() > deadline) break;
      await L.sleep(100);
    }
    await L.sleep(150);
    after = await L.orderView(o.id);
    const vAfter = await L.voucherMap();
    const fresh = after.events.filter((e) => e.id > lastEvent);
    const backed = fresh.some((e) => e.kind === 'transition' && after.events.some((q) => q.id === e.detail?.evidence && q.kind === 'query'));
    const changed = [];
    for (const k of ['status', 'expires_at', 'wait', 'holds']) if (before[k] !== after[k]) changed.push(`${k} ${before[k]} → ${after[k]}`);
    for (const code of o.vouchers) {
      const b = vBefore.get(code);
      const a = vAfter.get(code);
      // (a voucher another order holds may move with that order meanwhile)
      const mine = b?.order_id === o.id || a?.order_id === o.id;
      if (b && a && mine && (b.status !== a.status || b.order_id !== a.order_id)) changed.push(`voucher ${code} ${b.status} → ${a.status}`);
    }
    if (changed.length && !backed) this.violation('I6', o, `forged ${s.as} report changed ${changed.join(', ')} with no transition resting on a query`);
    if (s.as === 'limitFar' && unix(after.expires_at) >= mypayTime('99991231235959')) {
      this.violation('I6', o, `forged LimitDate 99991231235959 became the deadline (${after.expires_at})`);
    }
    return `local ${before.status} → ${after.status}${changed.length ? ` (${changed.join(', ')})` : ''}`;
  }

  async do_replay(s) {
    const o = this.order(s.order);
    const acked = (await L.notifications(o.uid)).filter((a) => a.acknowledged || a.acked);
    if (!acked.length) return 'no report delivered yet';
    const a = acked[Math.floor(s.pick * acked.length)];
    const r = await this.report(o, a.fields, 'replayed report');
    return `re-posted ${a.kind} prc ${a.prc} (attempt ${a.id}): ${short(r)}`;
  }

  async do_renotify(s) {
    const o = this.order(s.order);
    const r = await L.sandbox('POST', `/sandbox/orders/${o.uid}/notify`, {});
    if (r.status !== 200) this.error(`renotify answered ${r.status}`);
    return short(r);
  }

  /** After every step: what the worker says now (I1 while running). */
  async observe() {
    const list = await L.orderList(200);
    for (const o of this.orders) {
      const st = list.get(o.id)?.status;
      if (!st) continue;
      if (o.statuses.at(-1) !== st) o.statuses.push(st);
      if (st === 'paid') o.seenPaid = true;
      if (o.seenPaid && ['expired', 'failed'].includes(st)) {
        this.violation('I1', o, `was paid here, now ${st} (statuses ${o.statuses.join(' → ')}, after step ${this.steps.length})`);
      }
    }
  }

  // -------------------------------------------------------------- settle and check

  async settle() {
    this.steps.push('(end) faults off, reports delivered, clocks +8 days, reconcile until nothing changes');
    this.log(`  end: faults off, reports delivered, clocks +${FINAL_JUMP}s, reconcile until still`);
    await this.countReorders();
    this.faults = { agent: null, callbacks: null };
    this.activeCallbacks = null;
    await L.clearFaults();
    await this.reordersOut();
    await this.quiet({ timeout: 60_000 });
    await this.jumpBy(FINAL_JUMP); // the sandbox's sweep reports A0002, 380 and due refunds now
    await this.quiet({ timeout: 60_000 });
    await L.reconcileUntilStill();
    await L.cronTick();
    await this.quiet({ timeout: 60_000 });
    this.lastReconcile = await L.reconcileUntilStill();
    await this.observe();
  }

  async check() {
    const views = new Map();
    for (const o of this.orders) {
      views.set(o.id, await L.orderView(o.id));
      await this.refresh(o);
    }
    const vouchers = await L.voucherMap();
    const [notes, reqs] = await Promise.all([L.notifications(), L.agentRequests()]);
    const reqsComplete = reqs.length === 0 || reqs[0].id <= this.firstReq + 1;
    const notesComplete = notes.length === 0 || notes[0].id <= this.firstNote + 1;
    if (!reqsComplete) this.log('  (the sandbox request log was truncated: query counts are lower bounds)');

    for (const o of this.orders) {
      const v = views.get(o.id);
      const sb = o.sb;
      const review = v.review?.reason ?? null;
      const everPaid = sb?.paid === true || (sb?.history ?? []).some((h) => PAID_PRC.has(h.prc));
      const everMoney = (sb?.history ?? []).some((h) => MONEY_PRC.has(h.prc));
      const done = (sb?.refunds ?? []).some((x) => x.state === 'done');
      const events = v.events;
      const byId = new Map(events.map((e) => [e.id, e]));
      const transitions = events.filter((e) => e.kind === 'transition');

      // I1: paid stays paid.
      if (everPaid && !(['paid', 'refund_pending', 'refunded'].includes(v.status) || (v.status === 'needs_review' && review))) {
        this.violation('I1', o, `MYPAY took the payment (history ${sb.history.map((h) => h.prc).join('→')}) but the order is ${v.status}${review ? ` (${review})` : ''}`);
      }
      for (const t of transitions) {
        const d = t.detail ?? {};
        if (['paid', 'refund_pending', 'refunded'].includes(d.from) && ['expired', 'failed'].includes(d.to)) {
          this.violation('I1', o, `transition ${t.id} ${d.from} → ${d.to} (${d.why})`);
        }
      }
      // What the worker holds as paid, MYPAY paid (a report alone never pays).
      if (['paid', 'refund_pending', 'refunded'].includes(v.status) && !everMoney) {
        this.violation('I6', o, `is ${v.status} but MYPAY never took a payment (prc ${sb?.prc}, history ${sb?.history.map((h) => h.prc).join('→')})`);
      }

      // I4: refunds follow MYPAY.
      if (v.status === 'refunded' && !done && sb?.prc !== '220') this.violation('I4', o, `refunded here, but MYPAY shows no refund done (${JSON.stringify(sb?.refunds)})`);
      if (done && v.status !== 'refunded') this.violation('I4', o, `MYPAY shows a refund done but the order is ${v.status}${review ? ` (${review})` : ''} (refund_state ${v.refund_state})`);
      if (v.status === 'refund_pending') {
        const pending = (sb?.refunds ?? []).some((x) => x.state === 'pending');
        if (!pending) this.violation('I4', o, `still refund_pending (refund_state ${v.refund_state}) after the settle, MYPAY refunds: ${JSON.stringify((sb?.refunds ?? []).map((x) => x.state))}`);
      }

      // I3 / I6: transitions rest on MYPAY's answers.
      for (const t of transitions) {
        const d = t.detail ?? {};
        const ev = byId.get(d.evidence);
        const what = `transition ${t.id} ${d.from}→${d.to} (${d.why}, holds ${d.holds}, source ${d.source})`;
        if (d.why === 'create_failed') continue;
        if (['release', 'reacquire'].includes(d.holds) && ev?.kind !== 'query') {
          this.violation(d.holds === 'release' ? 'I3' : 'I6', o, `${what} rests on ${ev ? `a ${ev.kind} event` : `no event (evidence ${d.evidence})`}, not a query`);
        }
        if (d.deadline && ev?.kind !== 'query') this.violation('I6', o, `${what} sets the deadline ${JSON.stringify(d.deadline)} without a query behind it`);
        if (d.holds === 'refund' && !['query', 'refund'].includes(ev?.kind)) this.violation('I6', o, `${what} refunds vouchers resting on ${ev?.kind ?? 'nothing'}`);
        if (d.from !== d.to && !ev) this.violation('I6', o, `${what} has no evidence`);
        const ans = ev?.kind === 'query' ? (ev.prc ?? ev.detail?.reply?.prc) : null;
        if (ev?.kind === 'query') {
          if (['release'].includes(d.holds) && MONEY_PRC.has(ans)) this.violation('I3', o, `${what} released vouchers on a query answering ${ans}`);
          if (['expired', 'failed'].includes(d.to) && d.from !== d.to && MONEY_PRC.has(ans)) this.violation('I1', o, `${what} on a query answering ${ans}`);
          if (d.to === 'paid' && d.from !== 'paid' && !PAID_PRC.has(ans) && d.why !== 'refund_not_found') {
            this.violation('I6', o, `${what} on a query answering ${ans}`);
          }
          if (d.deadline?.wait === 'limit') {
            // (an answer identical to an earlier one points at the event that holds the reply)
            const reply = ev.detail?.reply ?? byId.get(ev.detail?.same_reply_as)?.detail?.reply;
            const limit = replyLimit(reply);
            const at = unix(d.deadline.expires_at);
            // The worker adds a grace (an hour) to MYPAY's LimitDate, never more than a day.
            if (limit === null || at < limit || at > limit + 86_400) {
              this.violation('I6', o, `${what} set the deadline ${d.deadline.expires_at}, MYPAY's LimitDate is ${limit === null ? 'none' : new Date(limit * 1000).toISOString()}`);
            }
          }
        }
      }

      // With the faults off, every question the worker asks MYPAY ends in an answer it keeps.
      const asked = unix(v.last_checked_at);
      const kept = unix(v.last_answer_at);
      if (asked && (!kept || kept < asked)) {
        this.error(`order #${o.idx} ${o.id}: the worker asked MYPAY at ${v.last_checked_at} but kept no answer (last ${v.last_answer_at}); reconcile ended ${JSON.stringify(this.lastReconcile)}; worker log: confirm_failed`);
      }

      // I5: nothing is lost.
      const uid = String(o.uid ?? '');
      if (uid) {
        const reportEvents = events.filter((e) => e.kind === 'report').length;
        const acked = notes.filter((a) => String(a.uid) === uid && (a.acknowledged || a.acked)).length;
        const expected = acked + o.myReports;
        if (notesComplete ? reportEvents !== expected : reportEvents < expected) {
          this.violation('I5', o, `${acked} reports the worker acknowledged (8888) to the sandbox + ${o.myReports} posted here, but ${reportEvents} report events`);
        }
        const mine = reqs.filter((q) => q.cmd === 'api/queryorder' && String(q.uid) === uid);
        // Answered: a reply with a code reached the worker (a `partial` reply too).
        const A = mine.filter((q) => q.answered === true).length;
        const F = mine.length - A;
        const Q = events.filter((e) => e.kind === 'query').length;
        const R = events.filter((e) => e.kind === 'query_rejected').length;
        const X = events.filter((e) => e.kind === 'query_failed').length;
        const counts = `sandbox answered ${A}, faulted ${F}; events query ${Q}, query_rejected ${R}, query_failed ${X}`;
        if (reqsComplete) {
          // One confirmation = one event, after at most QUERY_ATTEMPTS calls (the worker retries transient failures).
          if (A > Q + R + X) this.violation('I5', o, `an api/queryorder answer left no event (${counts})`);
          if (Q + R > A) this.violation('I5', o, `more query events than answers MYPAY gave (${counts})`);
          if (Q + R + X > A + F) this.violation('I5', o, `more query events than calls (${counts})`);
          if (A + F > QUERY_ATTEMPTS * (Q + R + X)) this.violation('I5', o, `calls with no event (at most ${QUERY_ATTEMPTS} attempts per confirmation) (${counts})`);
        }
      }
    }

    // I2 and I3: per voucher of the pool.
    for (const pv of this.pool) {
      const users = this.orders.filter((o) => o.vouchers.includes(pv.code));
      const vv = vouchers.get(pv.code);
      if (!vv) {
        this.error(`voucher ${pv.code} is not listed by the admin API`);
        continue;
      }
      const paidUsers = users.filter((o) => o.sb?.paid || (o.sb?.history ?? []).some((h) => PAID_PRC.has(h.prc)));
      const holders = paidUsers.filter((o) => LOCAL_PAID.has(views.get(o.id).status));
      if (holders.length > 1) {
        this.violation('I2', holders[1], `voucher ${pv.code} discounts ${holders.length} orders that are paid here: ${holders.map((o) => `#${o.idx}`).join(', ')}`);
      }
      for (const o of paidUsers) {
        const v = views.get(o.id);
        if (holders.length && !holders.includes(o) && !(v.status === 'refunded' || (v.status === 'needs_review' && v.review?.reason === 'voucher_conflict'))) {
          this.violation('I2', o, `used voucher ${pv.code} (also paid by #${holders[0].idx}) and is ${v.status} ${v.review?.reason ?? ''}`);
        }
      }
      if (holders.length === 1) {
        const h = holders[0];
        if (vv.status !== 'used' || vv.order_id !== h.id) this.violation('I2', h, `voucher ${pv.code} is ${vv.status}/${vv.order_id} while the order it discounts is ${views.get(h.id).status}`);
      }
      if (vv.status === 'used') {
        const holder = users.find((o) => o.id === vv.order_id);
        const money = holder && (holder.sb?.history ?? []).some((h) => MONEY_PRC.has(h.prc));
        if (!money) this.violation('I3', holder ?? vv.order_id, `voucher ${pv.code} is used by an order MYPAY never took money for`);
      }
      const allUnpaid = users.every((o) => ENDED_UNPAID.has(o.sb?.prc) && !(o.sb?.history ?? []).some((h) => MONEY_PRC.has(h.prc)));
      if (users.length && allUnpaid && vv.status !== 'available') {
        const holder = users.find((o) => o.id === vv.order_id) ?? users[0];
        this.violation('I3', holder, `voucher ${pv.code} is ${vv.status} (order ${vv.order_id}) though every order that used it ended unpaid at MYPAY (${users.map((o) => `#${o.idx}:${o.sb?.prc}/${views.get(o.id).status}`).join(', ')})`);
      }
      if (vv.status === 'reserved') {
        // Held at the end only by an order MYPAY still keeps waiting (245, 247, 280, A0001, …).
        const holder = users.find((o) => o.id === vv.order_id);
        const hv = holder && views.get(holder.id);
        if (!(holder && WAITING_PRC.has(holder.sb?.prc))) {
          this.violation('I3', holder ?? vv.order_id, `voucher ${pv.code} is still held after the settle (holder ${hv?.status ?? '?'} ${hv?.review?.reason ?? ''}, MYPAY ${holder?.sb?.prc ?? '?'})`);
        }
      }
    }
    for (const o of this.orders) {
      const v = views.get(o.id);
      this.count(`end ${v.status}${v.review ? ` ${v.review.reason}` : ''}`);
    }
    this.summary = this.orders.reduce((m, o) => {
      const st = views.get(o.id).status;
      m[st] = (m[st] ?? 0) + 1;
      return m;
    }, {});
  }
}

// ------------------------------------------------------------------ main

async function main() {
  const resumeFile = env('CHAOS_RESUME_FILE');
  const steps = Number(env('STEPS') || DEFAULT_STEPS);
  let plan;
  if (resumeFile && existsSync(resumeFile) && readFileSync(resumeFile, 'utf8').trim()) {
    plan = JSON.parse(readFileSync(resumeFile, 'utf8'));
    rmSync(resumeFile);
  } else if (env('SEED')) {
    plan = { seeds: [Number(env('SEED'))], verbose: true, steps, started: Date.now(), ran: 0, failed: [], lines: [] };
    console.log(`chaos: replaying seed ${plan.seeds[0]} (${steps} steps), verbose`);
  } else if (env('SEEDS')) {
    const n = Number(env('SEEDS'));
    const start = randomInt(1, 2 ** 31 - n);
    plan = { seeds: Array.from({ length: n }, (_, i) => start + i), verbose: false, steps, started: Date.now(), ran: 0, failed: [], lines: [] };
    console.log(`chaos: ${n} seeds from random start seed ${start} (${start}…${start + n - 1}), ${steps} steps each`);
  } else {
    plan = { seeds: [...FIXED_SEEDS], verbose: false, steps, started: Date.now(), ran: 0, failed: [], lines: [] };
    console.log(`chaos: the fixed seeds ${FIXED_SEEDS.join(', ')}, ${steps} steps each`);
  }

  while (plan.seeds.length) {
    const seed = plan.seeds[0];
    const offset = await L.clockOffset();
    if (offset + SEED_CLOCK_BUDGET > L.MAX_OFFSET) {
      if (!resumeFile) throw new Error(`the clocks are ${offset} s ahead: no room for another seed (restart the stack)`);
      writeFileSync(resumeFile, JSON.stringify(plan));
      console.log(`chaos: clocks ${Math.round(offset / 86400)} days ahead; ${plan.seeds.length} seeds continue on a fresh stack`);
      process.exit(75);
    }
    const t0 = Date.now();
    const run = new Run(seed, { steps: plan.steps, verbose: plan.verbose });
    let crash = null;
    try {
      if (plan.verbose) console.log(`seed ${seed}:`);
      const ts = Date.now();
      await run.setup();
      run.log(`  set up in ${Date.now() - ts} ms`);
      for (let i = 0; i < plan.steps; i++) {
        await run.exec(run.choose());
        await run.observe();
      }
      let t = Date.now();
      await run.settle();
      run.log(`  settled in ${Date.now() - t} ms`);
      t = Date.now();
      await run.check();
      run.log(`  checked in ${Date.now() - t} ms`);
    } catch (e) {
      crash = e;
      run.error(`the run stopped: ${e.stack ?? e}`);
      try { await L.clearFaults(); } catch { /* the next seed reports it */ }
    }
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    const bad = run.violations.length + run.errors.length;
    const summary = run.summary ? Object.entries(run.summary).map(([k, v]) => `${v} ${k}`).join(', ') : 'no summary';
    console.log(`seed ${seed}: ${run.steps.length - 1} steps, ${run.orders.length} orders (${summary}), ${secs} s${bad ? `, ${bad} problem(s)` : ', ok'}`);
    if (bad) {
      const lines = [...run.violations.map((v) => v.line), ...run.errors];
      for (const l of lines) console.log(l);
      console.log(`  replay: make chaos SEED=${seed}${plan.steps !== DEFAULT_STEPS ? ` STEPS=${plan.steps}` : ''}`);
      console.log('  steps:');
      run.steps.forEach((s, i) => console.log(`    ${String(i + 1).padStart(3)}. ${s}`));
      plan.failed.push(seed);
      plan.lines.push(...lines);
    }
    if (crash && plan.verbose) console.log(crash.stack);
    plan.ran++;
    plan.seeds.shift();
    if (env('CHAOS_COVERAGE_FILE')) appendFileSync(env('CHAOS_COVERAGE_FILE'), `${JSON.stringify({ seed, secs: Number(secs), problems: bad, coverage: run.coverage })}\n`);
    plan.coverage ??= {};
    for (const [k, n] of Object.entries(run.coverage)) plan.coverage[k] = (plan.coverage[k] ?? 0) + n;
  }

  const total = ((Date.now() - plan.started) / 1000).toFixed(1);
  const tail = `chaos: ${plan.ran} seeds ran in ${total} s (${(total / Math.max(plan.ran, 1)).toFixed(1)} s per seed, ${plan.steps} steps each); ${plan.failed.length ? `${plan.failed.length} with problems: ${plan.failed.join(', ')}` : 'no violations'}`;
  const cov = Object.entries(plan.coverage ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`chaos: what ran: ${cov}`);
  console.log(tail);
  if (env('CHAOS_REPORT_FILE')) writeFileSync(env('CHAOS_REPORT_FILE'), [...plan.lines, tail].join('\n') + '\n');
  process.exit(plan.failed.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e.stack ?? e);
  process.exit(2);
});
