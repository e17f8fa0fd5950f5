import { defineConfig } from 'vite';

// The UI is served by `holdfast serve` from dist/: index.html at "/" and the hashed files under /assets/,
// which the server lets browsers cache for a year. `npm run dev` proxies the API to a node on port 8080.
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1024 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
