// Vite builds the Mini App into dist/, which `tuneton serve` serves at `/` (tuneton/webapp.py).
// hls.js and the Signalsmith Stretch worklet are dynamic imports, so they become their own chunks
// and load only when a render is played or a pitch/tempo preview starts.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    target: "es2021",
    sourcemap: false,
    reportCompressedSize: true,
    // Preact in a chunk of its own, so the build report gives the app's own size and each library's.
    rolldownOptions: { checks: { bundlerTimings: false }, output: { codeSplitting: { groups: [{ name: "preact", test: /node_modules[\\/]preact/ }] } } },
  },
  server: { port: 8601, proxy: { "/v1": "http://127.0.0.1:8600", "/config.json": "http://127.0.0.1:8600" } },
});
