// A Worker that uses the packed mypay-edge (its `workerd` export loads the
// wasm with initSync from an imported .wasm module), through both entries:
// `mypay-edge` and `mypay-edge/init`.
import * as mypay from 'mypay-edge';
import * as withInit from 'mypay-edge/init';
import { encrypt, decrypt, buildRequest, validateOrder, parseReply, callPolicy, MypayError, version } from 'mypay-edge';

const KEY = '2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG';

export default {
  async fetch(request) {
    const order = await request.json();
    const text = JSON.stringify(order);
    const b64 = encrypt(text, KEY);
    let error = null;
    try {
      parseReply('api/orders', '{"code":"100","msg":"資料錯誤"}');
    } catch (e) {
      error = { isMypayError: e instanceof MypayError, isError: e instanceof Error, code: e.code, mypayCode: e.mypayCode };
    }
    await withInit.init();
    return Response.json({
      version,
      b64,
      roundTrip: decrypt(b64, KEY) === text,
      problems: validateOrder(order),
      body: buildRequest('api/orders', order, { agentUid: '518169081001', key: KEY }).body,
      error,
      policy: callPolicy('api/queryorder'),
      exports: Object.keys(mypay).sort(),
      initExports: Object.keys(withInit).sort(),
      initShares: withInit.MypayError === MypayError && withInit.encrypt === encrypt,
    });
  },
};
