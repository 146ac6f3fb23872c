// Loaded by mocha before any test file (see .mocharc.json).
import '../src/polyfill.js'
