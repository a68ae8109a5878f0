// Juspay's official Node SDK (expresscheckout-nodejs 1.0.0) against this
// service: the SDK is the judge of wire compatibility. e2e/sdk_test.go runs
// it in two phases around a customer's walk through the consent dialog and
// the bank page:
//
//   node compat.mjs pay                          customer create/get/update, order create, a card payment
//   node compat.mjs settle ORDER_ID CUSTOMER_ID  order status, refund, order session, an unknown order
//
// Environment: BASE_URL (https://…), MERCHANT_ID, API_KEY, RETURN_URL, and
// for JWE+JWS mode JWE_KEY_ID, JWE_PUBLIC_KEY (the service's public key,
// PEM) and JWE_PRIVATE_KEY (the merchant's private key, PEM). Without them
// the SDK uses Basic auth everywhere.
//
// Every check runs; each mismatch is one line naming the resource and the
// field. The last line of stdout is one JSON object: {phase, mode, ok,
// failures, …ids, answers} (answers without the SDK's `http` block). The
// exit status is 1 when anything failed, 2 on bad usage.

import dns from 'node:dns';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The SDK reads package.json from the working directory when it loads.
process.chdir(path.dirname(fileURLToPath(import.meta.url)));

// SDK bug: JuspayResource passes `host: url.host` to https.request, so a
// base URL with a port ("localhost:8443") is looked up in DNS as
// "localhost:8443" (ENOTFOUND). Juspay's own URLs have no port. Only the
// name lookup drops the port; the request is otherwise the SDK's own
// (TLS verification is unaffected: Node derives the server name without it).
const lookup = dns.lookup;
dns.lookup = function (hostname, ...rest) {
  if (typeof hostname === 'string') hostname = hostname.replace(/^([^:]+):\d+$/, '$1');
  return lookup.call(this, hostname, ...rest);
};

const { Juspay } = await import('expresscheckout-nodejs');

const env = process.env;
const [phase, orderArg, customerArg] = process.argv.slice(2);
const required = ['BASE_URL', 'MERCHANT_ID', 'API_KEY', 'RETURN_URL'];
if (!['pay', 'settle'].includes(phase) || (phase === 'settle' && !(orderArg && customerArg)) ||
    required.some((k) => !env[k])) {
  console.error(`usage: ${required.join('=… ')}=… node compat.mjs pay | settle ORDER_ID CUSTOMER_ID`);
  process.exit(2);
}
const jwe = Boolean(env.JWE_KEY_ID);
const mode = jwe ? 'jwe' : 'basic';
const merchantId = env.MERCHANT_ID;
const returnUrl = env.RETURN_URL;

// The SDK's default logger writes every request (card fields included) to
// ./logs/juspay-sdk.log and the console: silence it before any resource
// is made.
Juspay.customLogger = Juspay.silentLogger;

const config = { merchantId, apiKey: env.API_KEY, baseUrl: env.BASE_URL, timeout: 20000 };
if (jwe) {
  config.jweAuth = { keyId: env.JWE_KEY_ID, publicKey: env.JWE_PUBLIC_KEY, privateKey: env.JWE_PRIVATE_KEY };
}

const failures = [];
const answers = {};
const out = { phase, mode };

class Mismatch extends Error {}

// step runs one SDK call and its checks; a failure is recorded and the
// step's value is undefined.
async function step(resource, fn) {
  try {
    return await fn();
  } catch (e) {
    failures.push(describe(resource, e));
    return undefined;
  }
}

function describe(resource, e) {
  if (e instanceof Mismatch) return `${resource}: ${e.message}`;
  if (e instanceof Juspay.errors.JuspayError && e.raw !== undefined) {
    return `${resource}: the SDK threw ${e.name}: ${typeof e.raw === 'string' ? e.raw : JSON.stringify(e.raw)}`;
  }
  return `${resource}: the SDK threw ${e && e.name}: ${e && e.message}`;
}

// strip drops the SDK's `http` block (headers, raw response) from an answer.
function strip(res) {
  if (res === null || typeof res !== 'object') return res;
  const { http, ...rest } = res;
  return rest;
}

function get(obj, field) {
  return field.split('.').reduce((v, k) => (v === null || v === undefined ? undefined : v[k]), obj);
}

const nonEmpty = Object.assign((v) => typeof v === 'string' && v.length > 0, { text: 'a non-empty string' });
const matches = (re) => Object.assign((v) => typeof v === 'string' && re.test(v), { text: `a string matching ${re}` });
const oneOf = (...vs) => Object.assign((v) => vs.includes(v), { text: `one of ${vs.map((x) => JSON.stringify(x)).join(', ')}` });
const amount = (n) => Object.assign((v) => (typeof v === 'number' || typeof v === 'string') && v !== '' && Number(v) === n,
  { text: `the amount ${n}` });

// expect checks fields of an answer: want is a value (compared with ===) or
// a predicate with a .text.
function expect(res, checks) {
  for (const [field, want] of Object.entries(checks)) {
    const got = get(res, field);
    const ok = typeof want === 'function' ? want(got) : got === want;
    if (!ok) {
      throw new Mismatch(`${field} is ${JSON.stringify(got)}, want ${typeof want === 'function' ? want.text : JSON.stringify(want)}`);
    }
  }
}

const juspay = new Juspay(config);
const stamp = String(Date.now());
const customer = { mobile_number: '9876543210', email_address: 'asha@example.com', first_name: 'Asha', last_name: 'Rao' };

async function pay() {
  const ref = `sdk-${mode}-${stamp}`;
  const created = await step('customer.create', async () => {
    const res = strip(await juspay.customer.create({ object_reference_id: ref, ...customer, 'options.get_client_auth_token': true }));
    answers.customer_create = res;
    expect(res, { id: matches(/^cst_/), object: 'customer', object_reference_id: ref, ...customer,
      'juspay.client_auth_token': nonEmpty, 'juspay.client_auth_token_expiry': nonEmpty });
    return res;
  });
  if (!created) return;
  out.customer_id = created.id;

  await step('customer.get', async () => {
    const res = strip(await juspay.customer.get(created.id));
    answers.customer_get = res;
    expect(res, { id: created.id, object_reference_id: ref, ...customer });
  });
  await step('customer.update', async () => {
    const res = strip(await juspay.customer.update(created.id, { last_name: 'Rao-Iyer', email_address: 'asha.rao@example.com' }));
    answers.customer_update = res;
    expect(res, { id: created.id, last_name: 'Rao-Iyer', email_address: 'asha.rao@example.com', first_name: 'Asha' });
    const again = strip(await juspay.customer.get(ref)); // by object_reference_id
    expect(again, { id: created.id, last_name: 'Rao-Iyer', email_address: 'asha.rao@example.com' });
  });

  const orderId = `sdk${mode[0]}${stamp}`;
  const order = await step('order.create', async () => {
    const res = strip(await juspay.order.create({
      order_id: orderId, amount: '1250.00', customer_id: created.id, customer_email: 'asha.rao@example.com',
      customer_phone: '9876543210', return_url: returnUrl, description: 'Masala chai, 50 cups', product_id: 'chai50',
      udf1: 'sdk-compat', billing_address_first_name: 'Asha', 'metadata.x': 'from the Node SDK',
    }));
    answers.order_create = res;
    expect(res, { order_id: orderId, id: matches(/^ord_/), status: 'CREATED', 'payment_links.web': matches(/^https?:\/\//) });
    return res;
  });
  if (!order) return;
  out.order_id = orderId;

  await step('payments.create', async () => {
    const res = strip(await juspay.payments.create({
      order_id: orderId, payment_method_type: 'CARD', payment_method: 'VISA', card_number: '4242424242424242',
      card_exp_month: '12', card_exp_year: '2031', card_security_code: '123', name_on_card: 'Asha Rao',
      save_to_locker: true, redirect_after_payment: true, format: 'json',
    }));
    answers.payment = res;
    expect(res, { order_id: orderId, txn_id: `${merchantId}-${orderId}-1`, txn_uuid: matches(/^[0-9a-f]{32}$/),
      status: 'PENDING_VBV', 'payment.authentication.method': 'GET', 'payment.authentication.url': matches(/\/v2\/txns\/consent\//) });
    out.auth_url = res.payment.authentication.url;
  });
}

async function settle(orderId, customerId) {
  out.order_id = orderId;
  out.customer_id = customerId;
  await step('order.status', async () => {
    const res = strip(await juspay.order.status(orderId));
    answers.order_status = res;
    expect(res, { order_id: orderId, status: 'CHARGED', amount: amount(1250), customer_id: customerId, udf1: 'sdk-compat',
      txn_id: `${merchantId}-${orderId}-1`, payment_method_type: 'CARD', payment_method: 'VISA',
      'card.last_four_digits': '4242', 'card.tokenization_user_consent': true, 'card.token.tokenization_status': 'ACTIVE' });
  });

  const uid = `sdk-refund-${orderId}`;
  await step('order.refund', async () => {
    const res = strip(await juspay.order.refund(orderId, { unique_request_id: uid, amount: '1.00' }));
    answers.refund = res;
    expect(res, { order_id: orderId, status: 'CHARGED', 'refunds.0.unique_request_id': uid, 'refunds.0.amount': amount(1),
      'refunds.0.status': oneOf('PENDING', 'SUCCESS') });
  });

  const sessionOrder = `${orderId}s`;
  out.session_order_id = sessionOrder;
  await step('orderSession.create', async () => {
    const res = strip(await juspay.orderSession.create({
      order_id: sessionOrder, amount: '10.00', customer_id: customerId, customer_email: 'asha.rao@example.com',
      customer_phone: '9876543210', payment_page_client_id: merchantId, action: 'paymentPage', return_url: returnUrl,
      description: 'Complete your payment', first_name: 'Asha', last_name: 'Rao-Iyer',
    }));
    answers.session = res;
    const p = 'sdk_payload.payload.';
    expect(res, { status: 'NEW', id: nonEmpty, order_id: sessionOrder, 'payment_links.web': matches(/^https?:\/\//),
      'payment_links.expiry': nonEmpty, 'sdk_payload.requestId': nonEmpty, 'sdk_payload.service': nonEmpty,
      [p + 'clientAuthToken']: nonEmpty, [p + 'clientAuthTokenExpiry']: nonEmpty, [p + 'orderId']: sessionOrder,
      [p + 'amount']: amount(10), [p + 'customerId']: customerId, [p + 'merchantId']: merchantId,
      [p + 'returnUrl']: returnUrl, [p + 'action']: 'paymentPage', [p + 'environment']: nonEmpty });
  });

  await step('order.status (unknown order)', async () => {
    let res;
    try {
      res = await juspay.order.status(`sdknone${stamp}`);
    } catch (e) {
      answers.unknown_order = { name: e.name, raw: e.raw };
      if (!(e instanceof Juspay.errors.InvalidRequestError)) {
        throw new Mismatch(`threw ${e.name} (${e.message}), want InvalidRequestError`);
      }
      // Not found, not refused for another reason (classic or camelCase shape).
      const raw = e.raw !== null && typeof e.raw === 'object' ? e.raw : {};
      if (raw.error_code !== 'object_not_found' && raw.errorCode !== 'NOT_FOUND') {
        throw new Mismatch(`threw InvalidRequestError ${JSON.stringify(e.raw)}, want a not-found answer ` +
          '(error_code object_not_found, or errorCode NOT_FOUND)');
      }
      return;
    }
    throw new Mismatch(`answered ${JSON.stringify(strip(res))}, want InvalidRequestError`);
  });
}

if (phase === 'pay') await pay();
else await settle(orderArg, customerArg);

out.ok = failures.length === 0;
out.failures = failures;
out.answers = answers;
for (const f of failures) console.error(`${phase} (${mode}): ${f}`);
console.log(JSON.stringify(out));
process.exit(failures.length ? 1 : 0);
