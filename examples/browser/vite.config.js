// Only needed inside the quiverdb repository: "quiverdb": "file:../.." links the package to the
// checkout two folders up, outside this project, and Vite's dev server refuses to serve files
// from outside its root unless allowed. An app that installs quiverdb from npm needs no config.
import { defineConfig } from 'vite';

export default defineConfig({
  server: { fs: { allow: ['../..'] } },
});
