// Node ESM entry: the CommonJS build re-exported, so that `import` and
// `require` in one process share one wasm instance and one MypayError class.
export * from './index.cjs';
