/// <reference types="vitest/config" />
// Vite builds the browser app into dist/, which Django serves as static files under /static/.
// The manifest lets the Django shell template find the hashed entry files (threatmodel/frontend.py).
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

export default defineConfig({
  plugins: [react()],
  base: '/static/',
  build: {
    manifest: 'manifest.json',
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: { input: 'src/main.tsx' },
  },
  test: { environment: 'node', globals: true, include: ['src/**/*.test.ts'] },
})
