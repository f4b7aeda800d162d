import { defineConfig } from 'vite';

// Plain esbuild JSX (no framework plugin): Preact's automatic runtime.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2018',
    // The strict CSP forbids inline scripts: no modulepreload polyfill, no inlined assets.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:18080',
      '/healthz': 'http://127.0.0.1:18080',
    },
  },
});
